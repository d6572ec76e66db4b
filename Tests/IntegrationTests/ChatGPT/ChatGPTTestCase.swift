import Dispatch
import Foundation
import XCTest

/// proxyd against the fake chatgpt.com (FakeChatGPT): one fake per test class, started before proxyd and named
/// by PROXYD_CHATGPT_URL. Subclasses add settings (`chatGPTSettings`) and may make the fake HTTP/1.1-only.
class ChatGPTTestCase: ProxydTestCase {
    class func chatGPTSettings() throws -> [String: String] { [:] }
    class func fakeALPN() -> [String] { ["h2", "http/1.1"] }

    private static var fakes: [ObjectIdentifier: FakeChatGPT] = [:]

    override class func extraSettings() throws -> [String: String] {
        let fake = try FakeChatGPT(pki: try TestPKI.shared.get(), alpn: fakeALPN())
        fakes[ObjectIdentifier(self)] = fake
        return fake.settings.merging(try chatGPTSettings()) { $1 }
    }

    /// Also stops the upstream proxy a subclass started with `ProxyDaemons.start(for: self, …)`.
    override class func tearDown() {
        super.tearDown()
        fakes.removeValue(forKey: ObjectIdentifier(self))?.shutdown()
        ProxyDaemons.stop(for: self)
    }

    var fake: FakeChatGPT {
        guard let fake = Self.fakes[ObjectIdentifier(type(of: self))] else { fatalError("class setUp did not start the fake") }
        return fake
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        fake.resetKnobs()
    }

    static let accountA = FakeChatGPTAccessToken.make(accountID: "acct-itest-a")
    static let accountB = FakeChatGPTAccessToken.make(accountID: "acct-itest-b")

    struct Turn {
        let clientBody: [UInt8]
        let response: RawResponse
        /// Monotonic time the first byte of the body reached the client.
        let firstBodyByte: UInt64?
    }

    /// One conversation turn through proxyd, as a go-chatgpt-api client sends it.
    func turn(_ route: String = "/chatgpt/conversation", token: String = ChatGPTTestCase.accountA,
              body: [UInt8] = FakeChatGPTTurnBody.make(), headers extra: [(String, String)] = [],
              timeout: Double = 30) throws -> Turn {
        let connection = try connect(timeout: timeout)
        try connection.send(RequestBuilder.build("POST", route, headers: [
            ("Authorization", "Bearer " + token), ("Content-Type", "application/json"), ("Accept", "text/event-stream"),
        ] + extra, body: body))
        let head = try connection.readHead()
        var first: UInt64?
        let response = try connection.readBody(for: head, method: "POST") { piece, time in
            if first == nil && !piece.isEmpty { first = time }
        }
        return Turn(clientBody: body, response: response, firstBodyByte: first)
    }

    /// What a failed turn should print: the answer, the fake's refusals and proxyd's log.
    func explain(_ turn: Turn, since mark: Int) -> String {
        "status \(turn.response.status): \(turn.response.bodyText.prefix(500))\nfake refused: \(fake.refusals(since: mark))\n"
            + "fake saw: \(fake.records(since: mark).map { "\($0.request.method) \($0.path) → \($0.status)" })\n"
            + "proxyd log:\n\(env.proxyd.logTail(maxCharacters: 2500))"
    }

    /// A turn that went through: 200, no refusal by the fake, and the client got the stream the fake wrote for
    /// the conversation request carrying this turn's body, byte for byte. Returns that request's record.
    @discardableResult
    func assertTurnSucceeded(_ turn: Turn, since mark: Int, generation: FakeSentinelGeneration = .c2026,
                             file: StaticString = #filePath, line: UInt = #line) -> FakeChatGPTRecord? {
        XCTAssertEqual(turn.response.status, 200, explain(turn, since: mark), file: file, line: line)
        XCTAssertEqual(fake.refusals(since: mark), [], file: file, line: line)
        let step: FakeChatGPTStep = generation == .c2026 ? .conversation : .legacyConversation
        let record = fake.records(step, since: mark).first {
            Self.body($0.request.body, carries: turn.clientBody, generation: generation)
        }
        guard let record else {
            XCTFail("the fake saw no \(step.rawValue) with this turn's body (prepare state added only when absent). "
                    + explain(turn, since: mark), file: file, line: line)
            return nil
        }
        XCTAssertEqual(turn.response.header("content-type"), "text/event-stream; charset=utf-8", file: file, line: line)
        XCTAssertTrue(turn.response.complete, file: file, line: line)
        XCTAssertEqual(turn.response.bodyText, String(decoding: record.responseBody, as: UTF8.self), file: file, line: line)
        XCTAssertEqual(turn.response.body, record.responseBody, "the stream, byte for byte", file: file, line: line)
        return record
    }

    /// Generation B sends the client's bytes; generation C adds `"client_prepare_state":"success"` (in any place,
    /// with any spacing) only when the client sent no such member, and changes nothing else.
    static func body(_ sent: [UInt8], carries client: [UInt8], generation: FakeSentinelGeneration) -> Bool {
        let clientText = String(decoding: client, as: UTF8.self)
        if generation == .b2024 || clientText.contains("\"client_prepare_state\"") { return sent == client }
        return removingPrepareState(String(decoding: sent, as: UTF8.self)).map { Array($0.utf8) } == client
    }

    private static func removingPrepareState(_ text: String) -> String? {
        guard let member = text.range(of: #""client_prepare_state"\s*:\s*"success""#, options: .regularExpression) else {
            return nil
        }
        let after = text[member.upperBound...]
        if let comma = after.range(of: #"^\s*,\s*"#, options: .regularExpression) {
            return String(text[..<member.lowerBound] + text[comma.upperBound...])
        }
        let before = text[..<member.lowerBound]
        guard let comma = before.range(of: #",\s*$"#, options: .regularExpression) else { return nil }
        return String(text[..<comma.lowerBound] + after)
    }

    /// A difficulty harder than PROXYD_POW_MAX_DIFFICULTY (default 000032) on every answer: proxyd fetches
    /// requirements three times in all (`step`), then answers 503 naming both, and never reaches the conversation.
    func assertTooHardDifficultyAnswers503(fetching step: FakeChatGPTStep, file: StaticString = #filePath, line: UInt = #line) throws {
        fake.configure { $0.difficulty = "000010" }
        let mark = fake.mark
        let turn = try turn()
        assertProxydError(turn.response, status: 503, file: file, line: line)
        XCTAssertEqual(turn.response.errorMessage,
                       "chatgpt proof of work difficulty 000010 is harder than PROXYD_POW_MAX_DIFFICULTY (000032)",
                       file: file, line: line)
        XCTAssertEqual(fake.records(step, since: mark).count, 3, explain(turn, since: mark), file: file, line: line)
        XCTAssertEqual(fake.records(since: mark).filter { $0.step == .conversation || $0.step == .legacyConversation
            || $0.step == .sentinelFinalize }.count, 0, file: file, line: line)
    }

    /// The steps the fake saw since `mark`, bootstraps left out (they come when state is missing or stale) and
    /// repeated conduit prepares counted once (the spec lets a client repeat it with `sent` and `success`).
    func steps(since mark: Int) -> [FakeChatGPTStep?] {
        var steps: [FakeChatGPTStep?] = []
        for step in fake.records(since: mark).map(\.step) where step != .bootstrap {
            if step == .conduit && steps.last == .conduit { continue }
            steps.append(step)
        }
        return steps
    }
}

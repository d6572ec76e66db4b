import Foundation
import XCTest

/// An answer the site cut at its own `max_tokens` is continued (`action: continue`, a fresh handshake each time)
/// up to PROXYD_IMITATE_CONTINUE times (default 3): the client sees one answer.
class ImitateContinueTests: ImitateTestCase {
    /// Each continue named the conversation and the last assistant message of the answer before it, after its
    /// own handshake, and carried no messages.
    private func assertContinuesFollowed(since mark: Int, count: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let sent = conversations(since: mark)
        XCTAssertEqual(sent.map { $0.body["action"] as? String }, ["next"] + Array(repeating: "continue", count: count),
                       file: file, line: line)
        XCTAssertEqual(fake.records(.sentinelFinalize, since: mark).count, count + 1, "a handshake per request",
                       file: file, line: line)
        for (previous, next) in zip(sent, sent.dropFirst()) {
            let before = try answer(of: previous.record)
            XCTAssertEqual(next.body["conversation_id"] as? String, before.conversationID, file: file, line: line)
            XCTAssertEqual(next.body["parent_message_id"] as? String, before.order.last, file: file, line: line)
            XCTAssertNil(next.body["messages"], "a continue carries no messages", file: file, line: line)
            XCTAssertEqual(next.body["model"] as? String, previous.body["model"] as? String, file: file, line: line)
            XCTAssertEqual(next.body["history_and_training_disabled"] as? Bool, true, file: file, line: line)
        }
    }

    func testAMaxTokensFinishIsContinuedIntoOneAnswer() throws {
        var second = FakeAnswerScript(messages: [.reasoning(["more thought"]), .text(["second part, ", "then "])],
                                      finish: .maxTokens)
        second.extras = .all
        let segments = [FakeAnswerScript.text(["First part — ", "cut "], finish: .maxTokens), second,
                        FakeAnswerScript.text(["the end."])]
        let expected = segments.map(\.content).joined()
        for stream in [true, false] {
            fake.configure { $0.segments = segments }
            let mark = fake.mark
            let result = try sdkChat(Self.request(stream: stream))
            guard assertSDKSucceeded(result, since: mark) else { return }
            let choice = ((result["completion"] as? [String: Any])?["choices"] as? [[String: Any]])?.first
            let content = result["content"] as? String ?? (choice?["message"] as? [String: Any])?["content"] as? String
            XCTAssertEqual(content, expected, "stream \(stream)")
            XCTAssertEqual(result["finish_reasons"] as? [String] ?? (choice?["finish_reason"]).map { [$0 as? String ?? ""] },
                           ["stop"])
            try assertContinuesFollowed(since: mark, count: 2)
            if stream {
                let chunks = result["chunks"] as? [[String: Any]] ?? []
                XCTAssertEqual(Set(chunks.compactMap { $0["id"] as? String }).count, 1, "one answer, one id")
                let roles = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["role"] as? String }
                XCTAssertEqual(roles, ["assistant"], "the role once")
            }
        }
    }

    /// The site may carry on in a new message with only the new text: the answer is the same.
    func testAContinuationInANewMessageJoinsTheSame() throws {
        var continued = FakeAnswerScript.text(["and more."])
        continued.continuation = .newMessage
        fake.configure { $0.segments = [.text(["Some text "], finish: .maxTokens), continued] }
        let mark = fake.mark
        let result = try sdkChat(Self.request(stream: true))
        guard assertSDKSucceeded(result, since: mark) else { return }
        XCTAssertEqual(result["content"] as? String, "Some text and more.")
        try assertContinuesFollowed(since: mark, count: 1)
    }

    /// Three continues and the site still cuts: the answer ends there with `length`.
    func testContinuesStopAtTheLimitWithLength() throws {
        let segments = (0..<5).map { FakeAnswerScript.text(["part \($0). "], finish: .maxTokens) }
        fake.configure { $0.segments = segments }
        let mark = fake.mark
        let result = try sdkChat(Self.request(stream: true))
        guard assertSDKSucceeded(result, since: mark) else { return }
        XCTAssertEqual(result["content"] as? String, "part 0. part 1. part 2. part 3. ")
        XCTAssertEqual(result["finish_reasons"] as? [String], ["length"])
        try assertContinuesFollowed(since: mark, count: 3)
    }
}

/// PROXYD_IMITATE_CONTINUE=0: the site's `max_tokens` finish is the client's `length`, and nothing is continued.
final class ImitateNoContinueTests: ImitateTestCase {
    override class func imitateSettings() -> [String: String] { ["PROXYD_IMITATE_CONTINUE": "0"] }

    func testAMaxTokensFinishIsLength() throws {
        fake.configure { $0.segments = [.text(["Cut ", "here"], finish: .maxTokens), .text(["never asked for"])] }
        let mark = fake.mark
        let results = try sdkChat([Self.request(stream: true), Self.request(stream: false)])
        guard assertSDKSucceeded(results[0], since: mark), assertSDKSucceeded(results[1], since: mark) else { return }
        XCTAssertEqual(results[0]["content"] as? String, "Cut here")
        XCTAssertEqual(results[0]["finish_reasons"] as? [String], ["length"])
        let choice = ((results[1]["completion"] as? [String: Any])?["choices"] as? [[String: Any]])?.first
        XCTAssertEqual(choice?["finish_reason"] as? String, "length")
        XCTAssertEqual((choice?["message"] as? [String: Any])?["content"] as? String, "Cut here")
        XCTAssertEqual(conversations(since: mark).map { $0.body["action"] as? String }, ["next", "next"])
    }
}

/// The same continuations over HTTP/1.1: the call that ended is still reading its connection when the answer
/// goes on, so the next handshake must start after it (a later loop turn), on that connection or another.
final class ImitateContinueHTTP1Tests: ImitateContinueTests {
    override class func fakeALPN() -> [String] { ["http/1.1"] }

    // Linux's test discovery lists a subclass (and runs its inherited tests) only when it has a test of its own.
    func testTheContinuationsWentOverHTTP1() throws {
        try testAMaxTokensFinishIsContinuedIntoOneAnswer()
        XCTAssertEqual(Set(fake.connections.map(\.protocolName)), ["http/1.1"])
    }
}

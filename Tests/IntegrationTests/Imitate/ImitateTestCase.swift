import Foundation
import XCTest

/// proxyd's OpenAI-compatible front (`/imitate/v1`) against the fake chatgpt.com, driven by the OpenAI Python
/// SDK (PythonSDK.swift, scripts in `Imitate/scripts/`) or by hand. The handshake is generation C
/// (`PROXYD_CHATGPT_SENTINEL=2026`); subclasses add settings with `imitateSettings`.
class ImitateTestCase: ChatGPTTestCase {
    class func imitateSettings() -> [String: String] { [:] }
    /// Load the o200k_base vocabulary (when installed), so answers carry usage; off by default, as loading it
    /// takes seconds in a debug build.
    class var countsTokens: Bool { false }

    static let vocabulary = "/usr/local/share/proxyd/o200k_base.tiktoken"

    override class func chatGPTSettings() throws -> [String: String] {
        var settings = ["PROXYD_CHATGPT_SENTINEL": "2026"]
        if countsTokens && FileManager.default.fileExists(atPath: vocabulary) { settings["PROXYD_TOKENIZER"] = vocabulary }
        return settings.merging(imitateSettings()) { $1 }
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        fake.configure { $0.streamDelayMs = 2 }
    }

    static let prompt = "Say something scripted, please — ünïcode included."
    static let model = "gpt-5"

    /// The SDK's `chat.completions.create` arguments for one user message.
    static func request(stream: Bool, model: String = ImitateTestCase.model, prompt: String = ImitateTestCase.prompt,
                        extra: [String: Any] = [:]) -> [String: Any] {
        ["model": model, "messages": [["role": "user", "content": prompt]], "stream": stream].merging(extra) { $1 }
    }

    /// Runs `scripts/chat.py` with these requests; one result per request (see the script).
    func sdkChat(_ requests: [[String: Any]], token: String = ChatGPTTestCase.accountA, timeout: Double = 60,
                 file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let run = try PythonSDK.run("chat.py", spec: ["requests": requests], port: port, apiKey: token, timeout: timeout)
        guard run.status == 0, let results = run.json?["results"] as? [[String: Any]], results.count == requests.count else {
            XCTFail("the SDK script failed: \(run.explanation)\nproxyd log:\n\(env.proxyd.logTail(maxCharacters: 2000))",
                    file: file, line: line)
            throw TestSetupError("chat.py failed")
        }
        return results
    }

    func sdkChat(_ request: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try sdkChat([request], file: file, line: line)[0]
    }

    /// What the SDK raised for a result that failed, or a test failure with what it got instead.
    func sdkError(_ result: [String: Any], file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        guard result["ok"] as? Bool == false, let error = result["error"] as? [String: Any] else {
            XCTFail("the SDK raised nothing: \(String(describing: result).prefix(1500))", file: file, line: line)
            return [:]
        }
        return error
    }

    /// A result that succeeded, or a test failure with the SDK's exception and what the fake refused.
    @discardableResult
    func assertSDKSucceeded(_ result: [String: Any], since mark: Int, file: StaticString = #filePath,
                            line: UInt = #line) -> Bool {
        guard result["ok"] as? Bool == true else {
            XCTFail("the SDK raised \(result["error"] ?? "?")\nfake refused: \(fake.refusals(since: mark))\n"
                    + "fake saw: \(fake.records(since: mark).map { "\($0.request.method) \($0.path) → \($0.status)" })\n"
                    + "its streams: \(fake.records(.conversation, since: mark).map(streamSummary))\n"
                    + "proxyd log:\n\(env.proxyd.logTail(maxCharacters: 2000))", file: file, line: line)
            return false
        }
        XCTAssertEqual(fake.refusals(since: mark), [], file: file, line: line)
        return true
    }

    /// How the fake's stream for a conversation request went, for failure messages.
    func streamSummary(_ record: FakeChatGPTRecord) -> String {
        let writes = fake.streamWrites(of: record).count
        guard let end = fake.streamEnd(of: record) else { return "still writing (\(writes) writes so far)" }
        return (end.cancelled ? "cancelled" : "written to the end") + " after \(end.writes) writes, \(end.bytes) bytes"
    }

    /// The conversation requests the fake saw since `mark`, with their JSON bodies.
    func conversations(since mark: Int) -> [(record: FakeChatGPTRecord, body: [String: Any])] {
        fake.records(.conversation, since: mark).map { ($0, $0.request.jsonBody ?? [:]) }
    }

    /// The fake's answer to a conversation request, read back (ids, conversation, text).
    func answer(of record: FakeChatGPTRecord) throws -> FakeAnswerReader {
        try FakeAnswerReader(String(decoding: record.responseBody, as: UTF8.self))
    }

    // MARK: by hand

    /// `POST /imitate/v1/chat/completions` on a connection the caller keeps (to read slowly, or leave).
    func openCompletion(_ body: [String: Any], token: String = ChatGPTTestCase.accountA,
                        timeout: Double = 30) throws -> RawHTTPConnection {
        let connection = try connect(timeout: timeout)
        let bytes = Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
        try connection.send(RequestBuilder.build("POST", "/imitate/v1/chat/completions", headers: [
            ("Authorization", "Bearer " + token), ("Content-Type", "application/json"), ("Accept", "text/event-stream"),
        ], body: bytes))
        return connection
    }

    /// The `data:` payloads of an event stream, `[DONE]` included.
    static func dataLines(_ text: String) -> [String] {
        text.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
    }

    /// proxyd's resident memory in kB, from /proc.
    func proxydRSS() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(env.proxyd.pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    /// Whether this proxyd counts tokens (the class asked for it and the vocabulary is installed): usage is
    /// reported only then.
    var countsTokens: Bool { Self.countsTokens && FileManager.default.fileExists(atPath: Self.vocabulary) }
}

import Foundation
import XCTest

/// /imitate/v1 through proxyd against the fake chatgpt.com's default answer, with a raw client: the route, the
/// conversation body proxyd sends, and the OpenAI shapes it answers with, streamed and not.
final class ImitateRouteTests: ChatGPTTestCase {
    private func completion(_ body: String, token: String = ChatGPTTestCase.accountA) throws -> RawResponse {
        let connection = try connect(timeout: 30)
        try connection.send(RequestBuilder.build("POST", "/imitate/v1/chat/completions", headers: [
            ("Authorization", "Bearer " + token), ("Content-Type", "application/json"),
            ("User-Agent", "OpenAI/Python 3.51.0"), ("X-Stainless-Lang", "python"), ("ChatGPT-Account-ID", "ws-team-1"),
        ], body: Array(body.utf8)))
        let head = try connection.readHead()
        return try connection.readBody(for: head, method: "POST")
    }

    private static let expected = "Héllo — you said “Say hi”. Streaming ✓ done."

    func testStreamedCompletionIsChunksOfTheSitesAnswerEndingWithDone() throws {
        let mark = fake.mark
        let response = try completion(#"{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Say hi"}]}"#)
        XCTAssertEqual(response.status, 200, response.bodyText + "\n" + env.proxyd.logTail(maxCharacters: 2000))
        XCTAssertEqual(response.header("content-type"), "text/event-stream; charset=utf-8")
        let events = response.bodyText.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        XCTAssertEqual(events.last, "data: [DONE]")
        var text = ""
        var finishes: [String] = []
        var ids = Set<String>()
        for event in events.dropLast() {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(event.dropFirst(6).utf8)) as? [String: Any])
            ids.insert(object["id"] as? String ?? "")
            XCTAssertEqual(object["model"] as? String, "gpt-4o")
            XCTAssertEqual(object["object"] as? String, "chat.completion.chunk")
            let created = try XCTUnwrap(object["created"] as? Int)
            XCTAssertLessThan(abs(created - Int(Date().timeIntervalSince1970)), 60)
            let choice = try XCTUnwrap((object["choices"] as? [[String: Any]])?.first)
            let delta = try XCTUnwrap(choice["delta"] as? [String: Any])
            text += delta["content"] as? String ?? ""
            if let finish = choice["finish_reason"] as? String { finishes.append(finish) }
        }
        XCTAssertEqual(text, Self.expected)
        XCTAssertEqual(finishes, ["stop"])
        XCTAssertEqual(ids.count, 1)
        XCTAssertTrue(ids.first?.hasPrefix("chatcmpl-") == true)
        let sent = try XCTUnwrap(fake.records(.conversation, since: mark).first)
        let body = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(sent.request.body)) as? [String: Any])
        XCTAssertEqual(body["action"] as? String, "next")
        XCTAssertEqual(body["model"] as? String, "gpt-4o")
        XCTAssertEqual(body["history_and_training_disabled"] as? Bool, true)
        XCTAssertEqual(body["supported_encodings"] as? [String], ["v1"])
        XCTAssertNil(sent.header("x-stainless-lang"), "the OpenAI client's own fields stay out of the site's call")
        XCTAssertEqual(sent.header("chatgpt-account-id"), "ws-team-1", "a team account's workspace goes with it")
        XCTAssertFalse(sent.header("user-agent")?.contains("OpenAI") ?? true)
    }

    func testCompletionNotStreamedIsOneObject() throws {
        let response = try completion(#"{"messages":[{"role":"user","content":[{"type":"text","text":"Say hi"}]}]}"#)
        XCTAssertEqual(response.status, 200, response.bodyText)
        XCTAssertEqual(response.header("content-type"), "application/json; charset=utf-8")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        XCTAssertEqual(object["object"] as? String, "chat.completion")
        XCTAssertEqual(object["model"] as? String, "auto")
        let choice = try XCTUnwrap((object["choices"] as? [[String: Any]])?.first)
        XCTAssertEqual((choice["message"] as? [String: Any])?["content"] as? String, Self.expected)
        XCTAssertEqual(choice["finish_reason"] as? String, "stop")
    }

    func testStopStringCutsTheAnswerBeforeIt() throws {
        let response = try completion(#"{"stop":["Stream"],"messages":[{"role":"user","content":"Say hi"}]}"#)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        let choice = try XCTUnwrap((object["choices"] as? [[String: Any]])?.first)
        XCTAssertEqual((choice["message"] as? [String: Any])?["content"] as? String, "Héllo — you said “Say hi”. ")
        XCTAssertEqual(choice["finish_reason"] as? String, "stop")
    }

    func testUnsupportedParameterIs400InOpenAIShape() throws {
        let response = try completion(#"{"temperature":0.2,"messages":[{"role":"user","content":"hi"}]}"#)
        XCTAssertEqual(response.status, 400)
        let error = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["error"]
            as? [String: Any])
        XCTAssertEqual(error["param"] as? String, "temperature")
        XCTAssertEqual(error["type"] as? String, "invalid_request_error")
    }

    func testSiteRefusalIsItsStatusWithRetryAfter() throws {
        fake.configure { $0.refusals[.conversation] = (429, #"{"detail":{"message":"Too many requests","clears_in":41.5}}"#) }
        let response = try completion(#"{"messages":[{"role":"user","content":"hi"}]}"#)
        XCTAssertEqual(response.status, 429, response.bodyText)
        XCTAssertEqual(response.header("retry-after"), "42")
        let error = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["error"]
            as? [String: Any])
        XCTAssertEqual(error["type"] as? String, "rate_limit_error")
        XCTAssertTrue((error["message"] as? String)?.contains("Too many requests") == true)
    }

    func testMissingTokenAndUnknownPathAreOpenAIShaped() throws {
        let connection = try connect(timeout: 10)
        try connection.send(RequestBuilder.build("GET", "/imitate/v1/embeddings", headers: []))
        let head = try connection.readHead()
        let response = try connection.readBody(for: head)
        XCTAssertEqual(response.status, 404)
        XCTAssertNotNil((try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["error"])
    }
}

/// The same route with the o200k_base vocabulary loaded: usage counted, max_tokens honoured.
final class ImitateCountedTests: ChatGPTTestCase {
    private static let vocabulary = "/usr/local/share/proxyd/o200k_base.tiktoken"

    override class func chatGPTSettings() throws -> [String: String] { ["PROXYD_TOKENIZER": vocabulary] }

    override class func setUp() {
        guard FileManager.default.fileExists(atPath: vocabulary) else { return }
        super.setUp()
    }

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: Self.vocabulary),
                          "\(Self.vocabulary) is not installed; scripts/install-deps installs it")
        try super.setUpWithError()
    }

    private func completion(_ body: String) throws -> [String: Any] {
        let connection = try connect(timeout: 30)
        try connection.send(RequestBuilder.build("POST", "/imitate/v1/chat/completions", headers: [
            ("Authorization", "Bearer " + ChatGPTTestCase.accountA), ("Content-Type", "application/json"),
        ], body: Array(body.utf8)))
        let response = try connection.readBody(for: try connection.readHead(), method: "POST")
        XCTAssertEqual(response.status, 200, response.bodyText)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    func testMaxTokensCutsTheAnswerAndUsageCountsIt() throws {
        let object = try completion(#"{"max_tokens":3,"messages":[{"role":"user","content":"Say hi"}]}"#)
        let choice = try XCTUnwrap((object["choices"] as? [[String: Any]])?.first)
        XCTAssertEqual(choice["finish_reason"] as? String, "length")
        let content = try XCTUnwrap((choice["message"] as? [String: Any])?["content"] as? String)
        XCTAssertTrue("Héllo — you said “Say hi”. Streaming ✓ done.".hasPrefix(content), content)
        let usage = try XCTUnwrap(object["usage"] as? [String: Int])
        XCTAssertEqual(usage["completion_tokens"], 3)
        XCTAssertEqual(usage["prompt_tokens"], 2, "\"Say hi\" is two o200k_base tokens")
        XCTAssertEqual(usage["total_tokens"], 5)
    }
}

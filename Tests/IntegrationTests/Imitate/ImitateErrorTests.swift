import Foundation
import XCTest

/// What goes wrong reaches an OpenAI client as OpenAI errors: the site's refusals with their status (and the
/// time to wait), a failed handshake step named, and errors inside the stream as an error event the SDK raises.
final class ImitateErrorTests: ImitateTestCase {
    private func refuseConversation(_ status: Int, _ body: String, headers: [(String, String)] = []) {
        fake.configure {
            $0.refusals[.conversation] = (status, body)
            $0.refusalHeaders[.conversation] = headers
        }
    }

    /// Streamed and not, the SDK raises `className` with `status`; returns the two errors.
    private func bothWays(raise className: String, status: Int, file: StaticString = #filePath,
                          line: UInt = #line) throws -> [[String: Any]] {
        let results = try sdkChat([Self.request(stream: true), Self.request(stream: false)], file: file, line: line)
        return results.map { result in
            let error = sdkError(result, file: file, line: line)
            XCTAssertEqual(error["class"] as? String, className, "\(error)", file: file, line: line)
            XCTAssertEqual(error["status_code"] as? Int, status, file: file, line: line)
            XCTAssertEqual((result["chunks"] as? [Any])?.count ?? 0, 0, "no chunk before a refusal", file: file, line: line)
            return error
        }
    }

    private func message(_ error: [String: Any]) -> String { error["message"] as? String ?? "" }
    private func header(_ error: [String: Any], _ name: String) -> String? { (error["headers"] as? [String: Any])?[name] as? String }

    func testAnExpiredTokenIs401() throws {
        refuseConversation(401, #"{"detail":"Your authentication token has expired. Please try signing in again."}"#)
        for error in try bothWays(raise: "AuthenticationError", status: 401) {
            XCTAssertTrue(message(error).contains("expired"), message(error))
            XCTAssertEqual((error["body"] as? [String: Any])?["type"] as? String, "authentication_error")
        }
    }

    func testTheSitesRefusalIs403WithItsMessage() throws {
        refuseConversation(403, #"{"detail":"You've reached the limit of messages for GPT-5 on this plan."}"#)
        for error in try bothWays(raise: "PermissionDeniedError", status: 403) {
            XCTAssertTrue(message(error).contains("You've reached the limit of messages for GPT-5"), message(error))
        }
    }

    func testA429KeepsTheSitesRetryAfter() throws {
        refuseConversation(429, #"{"detail":"Too many requests in 1 hour. Try again later."}"#, headers: [("retry-after", "17")])
        for error in try bothWays(raise: "RateLimitError", status: 429) {
            XCTAssertEqual(header(error, "retry-after"), "17")
            XCTAssertEqual((error["body"] as? [String: Any])?["type"] as? String, "rate_limit_error")
        }
    }

    func testA429WithClearsInGetsItAsRetryAfter() throws {
        refuseConversation(429, #"{"detail":{"clears_in":42,"message":"You've hit your limit. Please try again later."}}"#)
        for error in try bothWays(raise: "RateLimitError", status: 429) {
            XCTAssertEqual(header(error, "retry-after"), "42")
            XCTAssertTrue(message(error).contains("hit your limit"), message(error))
        }
    }

    func testAFailedHandshakeStepIs502NamingIt() throws {
        fake.configure { $0.refusals[.sentinelPrepare] = (500, #"{"detail":"Internal server error"}"#) }
        let mark = fake.mark
        for error in try bothWays(raise: "InternalServerError", status: 502) {
            XCTAssertTrue(message(error).contains("prepare"), message(error))
            XCTAssertTrue(message(error).contains("500"), message(error))
        }
        XCTAssertEqual(fake.records(.conversation, since: mark).count, 0)
    }

    func testAProofTooHardIs503NamingTheDifficulty() throws {
        fake.configure { $0.difficulty = "000010" }
        let mark = fake.mark
        let error = sdkError(try sdkChat(Self.request(stream: false)))
        XCTAssertEqual(error["status_code"] as? Int, 503)
        XCTAssertTrue(message(error).contains("000010"), message(error))
        XCTAssertEqual(fake.records(.conversation, since: mark).count, 0)
    }

    /// The site moved the answer to a WebSocket, which proxyd does not follow: an error, never an empty answer
    /// that looks finished.
    func testAHandoffToAWebSocketIsAnError() throws {
        var script = FakeAnswerScript(messages: [.reasoning(["Thinking hard…"]), .text(["never sent"])])
        script.handoff = FakeAnswerHandoff(topicID: "topic-imitate-1", afterMessages: 1)
        fake.configure { $0.answer = script }
        let mark = fake.mark
        let results = try sdkChat([Self.request(stream: true), Self.request(stream: false)])
        for result in results {
            let error = sdkError(result)
            XCTAssertTrue(message(error).lowercased().contains("websocket"), "\(error)")
            XCTAssertFalse((result["finish_reasons"] as? [String] ?? []).contains("stop"), "\(result)")
        }
        XCTAssertEqual(sdkError(results[0])["class"] as? String, "APIError", "an error event inside the stream")
        XCTAssertNotEqual(sdkError(results[1])["status_code"] as? Int, 200)
        XCTAssertEqual(fake.refusals(since: mark), [])
    }

    private static let siteError = "Something went wrong while generating the response."

    /// The site's own error inside the stream (the document's `error`), after text the client already has: an error
    /// event the SDK raises on, streamed; an error answer, not streamed.
    func testTheSitesErrorInTheStreamIsAnErrorEvent() throws {
        var script = FakeAnswerScript.text(["Partial ", "answer"])
        script.siteError = Self.siteError
        fake.configure { $0.answer = script }
        let results = try sdkChat([Self.request(stream: true), Self.request(stream: false)])
        for result in results {
            let error = sdkError(result)
            XCTAssertTrue(message(error).contains(Self.siteError), "\(error)")
        }
        XCTAssertEqual(sdkError(results[0])["class"] as? String, "APIError")
        XCTAssertEqual(results[0]["content"] as? String, "Partial answer", "what came before the error")
        XCTAssertEqual(sdkError(results[1])["status_code"] as? Int, 502)
    }

    /// The same when the text and the error come in one read: the text is not lost, and the error is still an
    /// event of the stream.
    func testTextInTheSameReadAsTheSitesErrorIsNotLost() throws {
        var script = FakeAnswerScript.text(["Partial ", "answer"])
        script.siteError = Self.siteError
        script.eventsPerWrite = 16
        script.cutWrites = false
        fake.configure { $0.answer = script }
        let result = try sdkChat(Self.request(stream: true))
        let error = sdkError(result)
        XCTAssertTrue(message(error).contains(Self.siteError), "\(error)")
        XCTAssertEqual(error["class"] as? String, "APIError", "\(error)")
        XCTAssertEqual(result["content"] as? String, "Partial answer")
    }
}

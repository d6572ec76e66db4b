import NIOHTTP1
import XCTest

/// The upstream fixture checked on its own, without proxyd.
final class FixtureSelfTests: FixtureTestCase {
    private func send(_ method: HTTPMethod = .GET, _ uri: String, headers: [(String, String)] = [],
                      body: [UInt8] = [], timeout: Int64 = 5) throws -> FixtureClient.Response {
        try FixtureClient.send(port: fixture.port, trustRoot: pki.trustedCAPath, method: method, uri: uri,
                               headers: headers, body: body, timeout: timeout)
    }

    func testEchoRecordsMethodURIHeadersInOrderAndBody() throws {
        let body = Array(#"{"a":1.10,"z":[true]}"#.utf8)
        let response = try send(.PATCH, "/backend-api/conversation/x?q=1&r=", headers: [
            ("authorization", "Bearer t"), ("x-second", "2"), ("X-Third", "3"),
        ], body: body)
        XCTAssertEqual(response.head?.status.code, 200)
        XCTAssertEqual(response.head?.headers["content-type"].first, "application/json")
        let recorded = try XCTUnwrap(fixture.recorder.requests.last)
        XCTAssertEqual(recorded.method, "PATCH")
        XCTAssertEqual(recorded.uri, "/backend-api/conversation/x?q=1&r=")
        XCTAssertEqual(recorded.path, "/backend-api/conversation/x")
        XCTAssertEqual(recorded.query, ["q": "1", "r": ""])
        XCTAssertEqual(recorded.headers.map(\.name), ["host", "content-length", "authorization", "x-second", "X-Third"])
        XCTAssertEqual(recorded.body, body)
        XCTAssertEqual(recorded.bodyLength, body.count)
        XCTAssertEqual(recorded.bodyHash, FNV1a.hash(body))
        XCTAssertEqual(response.body, FixtureResponses.echoBody(for: recorded))
        XCTAssertEqual(fixture.recorder.headCount, 1)
    }

    func testLargeBodyIsCountedAndHashedBeyondTheCaptureLimit() throws {
        let body = TestPattern.bytes(count: 3 << 20)
        let response = try send(.POST, "/v1/files", body: body, timeout: 20)
        XCTAssertEqual(response.head?.status.code, 200)
        let recorded = try XCTUnwrap(fixture.recorder.requests.last)
        XCTAssertEqual(recorded.bodyLength, body.count)
        XCTAssertEqual(recorded.bodyHash, FNV1a.hash(body))
        XCTAssertEqual(recorded.body, Array(body.prefix(RequestRecorder.bodyCaptureLimit)))
    }

    func testStatusAnswersTheAskedCodeWithJSON() throws {
        let response = try send(.GET, "/v1/__status?code=418")
        XCTAssertEqual(response.head?.status.code, 418)
        XCTAssertEqual(response.head?.headers["content-type"].first, FixtureResponses.statusContentType)
        XCTAssertEqual(response.body, FixtureResponses.statusBody(code: 418))
    }

    func testBigAnswersThePatternWithContentLength() throws {
        let response = try send(.GET, "/backend-api/__big?bytes=300001")
        XCTAssertEqual(response.head?.headers["content-length"].first, "300001")
        XCTAssertEqual(response.body, TestPattern.bytes(count: 300_001))
        XCTAssertTrue(response.ended)
    }

    func testSSEStreamsEventsThenDone() throws {
        let started = DispatchTime.now().uptimeNanoseconds
        let response = try send(.GET, "/v1/__sse?events=3&interval_ms=100")
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        XCTAssertEqual(response.head?.headers["content-type"].first, "text/event-stream; charset=utf-8")
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self),
                       "data: {\"i\":0}\n\ndata: {\"i\":1}\n\ndata: {\"i\":2}\n\ndata: [DONE]\n\n")
        XCTAssertGreaterThanOrEqual(elapsed, 0.29, "events must be spaced by interval_ms")
        let id = try XCTUnwrap(fixture.recorder.requests.last?.id)
        XCTAssertEqual(fixture.recorder.eventSendTimes(requestID: id).count, 4)
    }

    func testConversationPostIsTheFixedSSEStream() throws {
        let response = try send(.POST, "/backend-api/conversation", body: Array("{}".utf8), timeout: 10)
        let text = String(decoding: response.body, as: UTF8.self)
        XCTAssertEqual(text.components(separatedBy: "data: ").count - 1, FixtureHandler.conversationEvents + 1)
        XCTAssertTrue(text.hasSuffix("data: [DONE]\n\n"))
    }

    func testCloseMidBodyEndsAfterAHundredBytes() throws {
        let response = try send(.GET, "/v1/__close_mid_body")
        XCTAssertEqual(response.head?.headers["content-length"].first, "1000")
        XCTAssertEqual(response.body, TestPattern.bytes(count: 100))
        XCTAssertFalse(response.ended)
        XCTAssertFalse(response.timedOut)
    }

    func testHangNeverAnswers() throws {
        let response = try send(.GET, "/backend-api/__hang", timeout: 1)
        XCTAssertTrue(response.timedOut)
        XCTAssertNil(response.head)
        XCTAssertEqual(fixture.recorder.requests.last?.path, "/backend-api/__hang")
    }

    func testExpectContinueGetsAnInterimResponse() throws {
        let response = try send(.POST, "/v1/x", headers: [("expect", "100-continue")], body: Array("abc".utf8))
        XCTAssertEqual(response.head?.status.code, 200)
        XCTAssertEqual(fixture.recorder.requests.last?.body, Array("abc".utf8))
    }

    func testUntrustedFixtureFailsVerificationAgainstTheTestCA() throws {
        let untrusted = try UpstreamFixture.untrusted(pki)
        defer { untrusted.shutdown() }
        let response = try FixtureClient.send(port: untrusted.port, trustRoot: pki.trustedCAPath, uri: "/v1/models")
        XCTAssertNil(response.head)
        XCTAssertNotNil(response.error, "the handshake must fail")
        XCTAssertEqual(untrusted.recorder.headCount, 0)
    }
}

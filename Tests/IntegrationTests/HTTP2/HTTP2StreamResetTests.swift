import Dispatch
import XCTest

/// Resets in both directions: the upstream's RST_STREAM ends the client's response cleanly, and a client that
/// leaves cancels its upstream stream at once.
final class HTTP2StreamResetTests: HTTP2TestCase {
    func testResetBeforeHeadersIs502NamingTheReset() throws {
        let response = try request("GET", "/chatgpt/backend-api/__rst")
        assertProxydError(response, status: 502, messageContains: ["reset", "INTERNAL_ERROR"])
        XCTAssertNotNil(h2.chatgpt.recorder.waitForRequest { $0.path == "/backend-api/__rst" })
        assertStillServing()
        XCTAssertEqual(try request("GET", "/chatgpt/models").status, 200, "the shared upstream connection still serves")
        assertNothingReachedHTTP1()
    }

    func testResetAfterHeadersTruncatesTheClientResponse() throws {
        let connection = try connect(timeout: 5)
        try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__rst_mid"))
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertFalse(response.complete, "a reset relay must not look complete")
        XCTAssertLessThan(response.body.count, 1000)
        XCTAssertEqual(response.body, TestPattern.bytes(count: response.body.count))
        XCTAssertTrue(connection.waitForClose(timeout: 3).closed)
        assertStillServing()
        XCTAssertEqual(try request("GET", "/chatgpt/models").status, 200, "the shared upstream connection still serves")
    }

    func testClientDisconnectDuringSSECancelsTheUpstreamStreamWithin100ms() throws {
        let resetsBefore = h2.chatgpt.log.resetsReceived.count
        var connection: RawHTTPConnection? = try connect(timeout: 5)
        try connection?.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__sse?events=100&interval_ms=100&cancel=1"))
        let head = try XCTUnwrap(connection?.readHead())
        XCTAssertEqual(head.status, 200)
        let upstream = try XCTUnwrap(h2.chatgpt.recorder.waitForRequest { $0.query["cancel"] == "1" })
        XCTAssertTrue(h2.chatgpt.log.wait(timeout: 2) { _ in h2.chatgpt.recorder.eventSendTimes(requestID: upstream.id).count >= 2 })

        let closedAt = DispatchTime.now().uptimeNanoseconds
        connection = nil  // deinit closes the socket
        let arrived = h2.chatgpt.log.wait(timeout: 2) { $0.resetsReceived.count > resetsBefore }
        XCTAssertTrue(arrived, "no RST_STREAM reached the upstream within 2 s of the client leaving")
        guard arrived, let reset = h2.chatgpt.log.resetsReceived.last else { return }
        let latencyMS = Double(reset.time &- closedAt) / 1e6
        print("client close -> upstream RST_STREAM(\(reset.code)): \(String(format: "%.2f", latencyMS)) ms")
        XCTAssertEqual(reset.code, .cancel)
        XCTAssertEqual(reset.stream, h2.chatgpt.log.place(ofRequest: upstream.id)?.stream, "the cancelled stream is the SSE one")
        XCTAssertLessThan(latencyMS, 100)
        assertStillServing()
    }
}

import XCTest

/// HTTP/1.0 clients cannot read chunked framing: a response of unknown length reaches them delimited by the
/// connection's close, and keep-alive happens only when they ask for it.
final class HTTP10ClientTests: ProxydTestCase {
    private func http10(_ target: String, extraHeaders: String = "") -> String {
        "GET \(target) HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer itest-token\r\n\(extraHeaders)\r\n"
    }

    func testStreamedAnswerIsDelimitedByCloseWithoutChunkFraming() throws {
        let connection = try connect(timeout: 5)
        try connection.send(http10("/chatgpt/backend-api/__sse?events=4&interval_ms=50"))
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.head.statusLine.hasPrefix("HTTP/1."), response.head.statusLine)
        XCTAssertNil(response.header("transfer-encoding"), "HTTP/1.0 has no chunked coding")
        XCTAssertNil(response.header("content-length"))
        XCTAssertEqual(response.header("connection")?.lowercased(), "close")
        XCTAssertTrue(response.header("content-type")?.hasPrefix("text/event-stream") == true)
        // The raw reader read to EOF: chunk-size lines in the body would show up here.
        let expected = (0..<4).map { "data: {\"i\":\($0)}\n\n" }.joined() + "data: [DONE]\n\n"
        XCTAssertEqual(response.bodyText, expected)
        XCTAssertTrue(connection.waitForClose(timeout: 1).closed)
    }

    func testKnownLengthAnswerKeepsItsContentLengthAndCloses() throws {
        let connection = try connect(timeout: 5)
        try connection.send(http10("/chatgpt/backend-api/__big?bytes=5000"))
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("content-length"), "5000")
        XCTAssertEqual(response.body, TestPattern.bytes(count: 5000))
        XCTAssertEqual(response.header("connection")?.lowercased(), "close")
        let (closed, extra) = connection.waitForClose(timeout: 3)
        XCTAssertTrue(closed, "an HTTP/1.0 request without keep-alive ends its connection")
        XCTAssertEqual(extra, 0)
    }

    func testKeepAliveRequestedByAnHTTP10ClientIsHonoured() throws {
        let connection = try connect(timeout: 5)
        for index in 0..<2 {
            try connection.send(http10("/chatgpt/backend-api/keep/\(index)", extraHeaders: "Connection: keep-alive\r\n"))
            let response = try connection.readResponse()
            XCTAssertEqual(response.status, 200, "request \(index)")
            XCTAssertEqual(response.header("connection")?.lowercased(), "keep-alive", "request \(index)")
            XCTAssertNotNil(response.header("content-length"))
        }
    }

    /// Unknown length forces a close even when the client asked to keep the connection.
    func testStreamedAnswerClosesEvenWhenKeepAliveWasAsked() throws {
        let connection = try connect(timeout: 5)
        try connection.send(http10("/chatgpt/backend-api/__sse?events=2&interval_ms=20",
                                   extraHeaders: "Connection: keep-alive\r\n"))
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("connection")?.lowercased(), "close")
        XCTAssertNil(response.header("transfer-encoding"))
        XCTAssertTrue(response.bodyText.hasSuffix("data: [DONE]\n\n"), response.bodyText)
    }
}

import XCTest

/// Hostile and broken requests: each gets proxyd's JSON error with the right status, smuggling attempts get
/// no second answer, and proxyd keeps serving afterwards.
final class MalformedRequestTests: ProxydTestCase {
    static let maxBody = 65_536

    override class func extraSettings() throws -> [String: String] {
        ["PROXYD_MAX_BODY_BYTES": String(maxBody)]
    }

    private let post = "POST /platform/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer t\r\n"

    /// Sends `bytes` on a new connection and checks the error; `reachesUpstream: false` also checks no request
    /// head was forwarded.
    @discardableResult
    private func assertRejected(_ bytes: [UInt8], status: Int, reachesUpstream: Bool = false,
                                file: StaticString = #filePath, line: UInt = #line) throws -> RawHTTPConnection {
        let heads = env.platform.recorder.headCount + env.chatgpt.recorder.headCount
        let connection = try connect(timeout: 5)
        try? connection.send(bytes)
        let response = try connection.readResponse()
        assertProxydError(response, status: status, file: file, line: line)
        if !reachesUpstream {
            XCTAssertEqual(env.platform.recorder.headCount + env.chatgpt.recorder.headCount, heads,
                           "a rejected request reached the upstream", file: file, line: line)
        }
        assertStillServing(file: file, line: line)
        return connection
    }

    private func assertRejected(_ text: String, status: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        try assertRejected(Array(text.utf8), status: status, file: file, line: line)
    }

    /// A CL.TE desync would answer the smuggled GET as a second response; proxyd must answer once and close.
    func testContentLengthWithTransferEncodingIsRejectedWithoutSmuggling() throws {
        let smuggled = "0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        let connection = try assertRejected(Array((post + "Content-Length: \(smuggled.utf8.count)\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n" + smuggled).utf8), status: 400)
        let (closed, extra) = connection.waitForClose(timeout: 3)
        XCTAssertTrue(closed, "the connection must be closed after a framing error")
        XCTAssertEqual(extra, 0, "the smuggled request was answered")
    }

    func testDuplicateContentLengthIsRejected() throws {
        try assertRejected(post + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x", status: 400)
    }

    func testInvalidChunkSizeIsRejected() throws {
        let bytes = Array((post + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n").utf8)
        let connection = try assertRejected(bytes, status: 400, reachesUpstream: true)
        XCTAssertTrue(connection.waitForClose(timeout: 3).closed, "the body framing is lost, the connection must close")
    }

    func testObsoleteLineFoldingIsRejected() throws {
        try assertRejected(post + "X-Folded: first\r\n  continued\r\nContent-Length: 2\r\n\r\n{}", status: 400)
    }

    func testMissingHostIsRejected() throws {
        try assertRejected("GET /chatgpt/models HTTP/1.1\r\nAuthorization: Bearer t\r\n\r\n", status: 400)
    }

    func testBareCarriageReturnInAHeaderIsRejected() throws {
        try assertRejected(post + "X-Bad: a\rb\r\nContent-Length: 2\r\n\r\n{}", status: 400)
    }

    func testNULInAHeaderIsRejected() throws {
        try assertRejected(post + "X-Bad: a\u{0}b\r\nContent-Length: 2\r\n\r\n{}", status: 400)
    }

    func testFortyKilobyteHeaderIs431() throws {
        let big = String(repeating: "a", count: 40 * 1024)
        try assertRejected(post + "X-Big: \(big)\r\nContent-Length: 2\r\n\r\n{}", status: 431)
    }

    func testDeclaredBodyOverTheLimitIs413() throws {
        // Only the head is sent: the answer must come from the declared length alone.
        try assertRejected(post + "Content-Length: \(Self.maxBody + 1)\r\n\r\n", status: 413)
    }

    func testChunkedBodyOverTheLimitIs413() throws {
        let bytes = Array((post + "Transfer-Encoding: chunked\r\n\r\n").utf8)
            + RequestBuilder.chunked(TestPattern.bytes(count: Self.maxBody + 1), chunkSize: 16_384)
        try assertRejected(bytes, status: 413, reachesUpstream: true)
    }

    func testBodyExactlyAtTheLimitIsAccepted() throws {
        let body = TestPattern.bytes(count: Self.maxBody)
        let response = try request("POST", "/platform/v1/files", body: body)
        XCTAssertEqual(response.status, 200, response.bodyText)
        XCTAssertEqual(upstreamRequest(behind: response, on: env.platform)?.bodyHash, FNV1a.hash(body))
    }
}

import XCTest

/// HTTP/1.1 connection handling on the client side: keep-alive, pipelining, 100-continue, close.
final class ConnectionTests: ProxydTestCase {
    func testKeepAliveServesSeveralRequestsOnOneConnection() throws {
        let connection = try connect()
        var ids: [Int] = []
        for index in 0..<4 {
            try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/keepalive/\(index)"))
            let response = try connection.readResponse()
            XCTAssertEqual(response.status, 200)
            XCTAssertNotEqual(response.header("connection")?.lowercased(), "close")
            let upstream = try XCTUnwrap(upstreamRequest(behind: response, on: env.chatgpt))
            XCTAssertEqual(upstream.path, "/backend-api/keepalive/\(index)")
            ids.append(upstream.id)
        }
        XCTAssertEqual(Set(ids).count, 4)
    }

    /// The first request is the slow one, so answering in completion order instead of request order shows.
    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let connection = try connect()
        try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__sse?events=3&interval_ms=150")
            + RequestBuilder.build("GET", "/chatgpt/models"))
        let first = try connection.readResponse()
        XCTAssertEqual(first.status, 200)
        XCTAssertTrue(first.bodyText.hasSuffix("data: [DONE]\n\n"), "first answer: \(first.bodyText.prefix(200))")
        let second = try connection.readResponse()
        XCTAssertEqual(second.status, 200)
        XCTAssertEqual(upstreamRequest(behind: second, on: env.chatgpt)?.path, "/backend-api/models")
    }

    func testExpect100ContinueGetsAnInterimResponseBeforeTheBody() throws {
        let body = Array(#"{"input":"after continue"}"#.utf8)
        let connection = try connect(timeout: 5)
        let head = RequestBuilder.build("POST", "/platform/v1/embeddings", headers: [
            RequestBuilder.defaultAuthorization, ("Expect", "100-continue"), ("Content-Length", String(body.count)),
        ])
        XCTAssertEqual(head.suffix(4), [13, 10, 13, 10])
        try connection.send(head)
        let interim = try connection.readHead()
        XCTAssertEqual(interim.status, 100)
        XCTAssertEqual(interim.statusLine, "HTTP/1.1 100 Continue")
        try connection.send(body)
        let response = try connection.readResponse(method: "POST")
        XCTAssertEqual(response.status, 200)
        let upstream = try XCTUnwrap(upstreamRequest(behind: response, on: env.platform))
        XCTAssertEqual(upstream.body, body)
    }

    func testConnectionCloseIsHonoured() throws {
        let connection = try connect(timeout: 5)
        try connection.send(RequestBuilder.build("GET", "/chatgpt/models", headers: [
            RequestBuilder.defaultAuthorization, ("Connection", "close"),
        ]))
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200)
        let (closed, extra) = connection.waitForClose(timeout: 3)
        XCTAssertTrue(closed, "proxyd must close after answering a Connection: close request")
        XCTAssertEqual(extra, 0)
    }
}

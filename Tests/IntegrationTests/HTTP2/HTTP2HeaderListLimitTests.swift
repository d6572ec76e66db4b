import XCTest

/// A request over the HTTP/2 server's SETTINGS_MAX_HEADER_LIST_SIZE is answered 431 by proxyd and never
/// submitted, so the server has no reason to end the connection other streams share.
final class HTTP2HeaderListLimitTests: HTTP2TestCase {
    func testRequestOverTheServersHeaderListLimitIs431AndTheConnectionGoesOn() throws {
        var options = HTTP2Fixture.Options()
        options.maxHeaderListSize = 4096
        try withDedicatedProxy(options) { fixture, proxyd in
            let connection = try RawHTTPConnection(port: proxyd.port, timeout: 10)
            // The first request brings the server's SETTINGS; the limit applies from then on.
            try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/models"))
            XCTAssertEqual(try connection.readResponse().status, 200)
            let big = (name: "X-Big", value: String(repeating: "v", count: 5_000))
            try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/big",
                                                     headers: [RequestBuilder.defaultAuthorization, big]))
            let refused = try connection.readResponse()
            XCTAssertEqual(refused.status, 431, refused.bodyText)
            XCTAssertTrue(refused.bodyText.contains("over the upstream's limit of 4096"), refused.bodyText)
            XCTAssertFalse(fixture.recorder.requests.contains { $0.path == "/backend-api/big" }, "it reached the upstream")
            try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/models"))
            XCTAssertEqual(try connection.readResponse().status, 200, "the client connection keeps serving")
            XCTAssertEqual(fixture.log.connectionCount, 1, "the upstream connection was not cut")
        }
    }
}

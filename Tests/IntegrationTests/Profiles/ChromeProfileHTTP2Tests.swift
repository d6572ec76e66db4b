import NIOHTTP2
import XCTest

/// PROXYD_TLS_PROFILE=chrome on an HTTP/2 upstream: the connection preface (SETTINGS, WINDOW_UPDATE), the HEADERS
/// priority and the request headers are Chrome 156's, with the client's Authorization kept.
final class ChromeProfileHTTP2Tests: HTTP2TestCase {
    func testPrefacePriorityAndHeadersAreChromes() throws {
        try withDedicatedProxy(.init(), settings: ["PROXYD_TLS_PROFILE": "chrome"]) { fixture, proxyd in
            let connection = try RawHTTPConnection(port: proxyd.port, timeout: 10)
            try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/models", headers: [
                ("User-Agent", "python-requests/2.31"), ("sec-ch-ua", "\"Python\""), ("Accept-Language", "de"),
                RequestBuilder.defaultAuthorization, ("Accept-Encoding", "gzip, deflate, br, zstd"),
            ]))
            let response = try connection.readResponse()
            XCTAssertEqual(response.status, 200, response.bodyText)
            let upstream = try XCTUnwrap(upstreamRequest(behind: response, on: fixture))
            let place = try XCTUnwrap(fixture.log.place(ofRequest: upstream.id))

            let settings = fixture.log.settingsReceived(connection: place.connection)
            XCTAssertEqual(settings.count, 1, "one SETTINGS frame")
            XCTAssertEqual(settings.first?.map(\.id), ChromeReference.settings.map(\.id), "SETTINGS order")
            XCTAssertEqual(settings.first?.map(\.value), ChromeReference.settings.map(\.value), "SETTINGS values")
            XCTAssertEqual(fixture.log.connectionWindowUpdates(connection: place.connection).first, ChromeReference.windowUpdate)

            let priority = try XCTUnwrap(fixture.log.priority(ofRequest: upstream.id) ?? nil, "HEADERS carry a priority")
            XCTAssertTrue(priority.exclusive)
            XCTAssertEqual(priority.dependency, .rootStream)
            XCTAssertEqual(Int(priority.weight) + 1, 256, "weight 256 (sent as 255)")

            let names = upstream.headers.map(\.name)
            XCTAssertEqual(Array(names.prefix(4)), ChromeReference.pseudoHeaders)
            let expected = ChromeReference.fetchHeaders(page: fixture.baseURL + "/",
                                                        client: [("authorization", "Bearer itest-token")])
            XCTAssertEqual(Array(names.dropFirst(4)), expected.map(\.name), "header order")
            XCTAssertEqual(upstream.headers.dropFirst(4).map(\.value), expected.map(\.value), "header values")
        }
    }

    func testEveryStreamOfTheConnectionCarriesChromesPriority() throws {
        for _ in 0..<2 {
            let response = try request("GET", "/chatgpt/backend-api/models")
            let upstream = try XCTUnwrap(upstreamRequest(behind: response, on: h2.chatgpt))
            let priority = try XCTUnwrap(h2.chatgpt.log.priority(ofRequest: upstream.id) ?? nil)
            XCTAssertEqual(Int(priority.weight) + 1, 256)
            XCTAssertEqual(upstream.header("user-agent"), ChromeReference.userAgent)
            XCTAssertEqual(upstream.header("accept-encoding"), "gzip, deflate, br, zstd", "Chrome's, though the client sent none")
        }
    }
}

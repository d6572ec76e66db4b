import XCTest

/// PROXYD_TLS_PROFILE=chrome on an HTTP/1.1 upstream: Host first, then Chrome's headers in Chrome's order and
/// HTTP/1.1 spelling (no `priority`, which Chromium sends only on HTTP/2 and 3), the client's Authorization kept,
/// its Accept-Encoding replaced by Chrome's.
final class ChromeProfileHTTP1Tests: ProxydTestCase {
    override class func extraSettings() throws -> [String: String] { ["PROXYD_TLS_PROFILE": "chrome"] }

    func testHeadersAreChromesInOrder() throws {
        let response = try request("GET", "/chatgpt/backend-api/models", headers: [
            ("User-Agent", "curl/8.0"), RequestBuilder.defaultAuthorization, ("Accept-Encoding", "gzip"),
            ("Sec-Fetch-Mode", "cors"),
        ])
        XCTAssertEqual(response.status, 200, response.bodyText)
        let upstream = try XCTUnwrap(upstreamRequest(behind: response, on: env.chatgpt))
        let expected: [(name: String, value: String)] = [("Host", "localhost:\(env.chatgpt.port)")]
            + ChromeReference.fetchHeaders(page: env.chatgpt.baseURL + "/",
                                           client: [RequestBuilder.defaultAuthorization])
                .filter { $0.name != "priority" }
                .map { field -> (name: String, value: String) in
                    switch field.name {
                    case let name where name.hasPrefix("sec-ch-") || name == "Authorization": return field
                    default: return (Self.titleCased(field.name), field.value)
                    }
                }
        XCTAssertEqual(upstream.headers.map(\.name), expected.map(\.name))
        XCTAssertEqual(upstream.headers.map(\.value), expected.map(\.value))
    }

    private static func titleCased(_ name: String) -> String {
        name.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: "-")
    }
}

/// PROXYD_TLS_PROFILE=openssl impersonates nothing: the client's headers go upstream as sent.
final class OpenSSLProfileHTTP1Tests: ProxydTestCase {
    override class func extraSettings() throws -> [String: String] { ["PROXYD_TLS_PROFILE": "openssl"] }

    func testClientHeadersAreForwardedAsSent() throws {
        let response = try request("GET", "/chatgpt/backend-api/models", headers: [
            ("User-Agent", "curl/8.0"), RequestBuilder.defaultAuthorization, ("Accept", "*/*"),
        ])
        let upstream = try XCTUnwrap(upstreamRequest(behind: response, on: env.chatgpt))
        XCTAssertEqual(upstream.headers.map(\.name), ["Host", "User-Agent", "Authorization", "Accept"])
        XCTAssertEqual(upstream.header("user-agent"), "curl/8.0")
    }
}

import XCTest

/// Every other profile on an HTTP/2 upstream: nghttp2 accepts its SETTINGS (Safari's id 9 included), the
/// request goes through, and the preface and pseudo-header order are its reference capture's.
final class OtherProfilesHTTP2Tests: HTTP2TestCase {
    private struct Expected {
        let profile: String
        /// From the reference file's `akamai`: SETTINGS ids:values, WINDOW_UPDATE, pseudo-header order.
        let settings: [(id: Int, value: Int)]
        let windowUpdate: Int
        let pseudoHeaders: [String]
        let userAgentPrefix: String
        let priorityWeight: Int?
    }

    private static let cases = [
        Expected(profile: "edge", settings: [(1, 65536), (3, 1000), (4, 6_291_456), (6, 262_144)], windowUpdate: 15_663_105,
                 pseudoHeaders: [":method", ":authority", ":scheme", ":path"], userAgentPrefix: "Mozilla/5.0 (Windows NT 10.0",
                 priorityWeight: 256),
        Expected(profile: "safari", settings: [(2, 0), (3, 100), (4, 2_097_152), (9, 1)], windowUpdate: 10_420_225,
                 pseudoHeaders: [":method", ":scheme", ":authority", ":path"], userAgentPrefix: "Mozilla/5.0 (Macintosh",
                 priorityWeight: nil),
        Expected(profile: "firefox", settings: [(1, 65536), (2, 0), (4, 131_072), (5, 16384)], windowUpdate: 12_517_377,
                 pseudoHeaders: [":method", ":path", ":authority", ":scheme"], userAgentPrefix: "Mozilla/5.0 (X11; Linux x86_64; rv:153.0)",
                 priorityWeight: 42),
        Expected(profile: "okhttp", settings: [(4, 16_777_216)], windowUpdate: 16_711_681,
                 pseudoHeaders: [":method", ":path", ":authority", ":scheme"], userAgentPrefix: "okhttp/",
                 priorityWeight: nil),
        // No impersonation: proxyd's own neutral preface, the client's user agent.
        Expected(profile: "openssl", settings: [(2, 0), (4, 262_144), (6, 262_144)], windowUpdate: 16_711_681,
                 pseudoHeaders: [":method", ":authority", ":scheme", ":path"], userAgentPrefix: "itest-client",
                 priorityWeight: nil),
    ]

    func testEachProfilesPrefaceAndPseudoHeaderOrder() throws {
        for expected in Self.cases {
            let label = expected.profile
            try withDedicatedProxy(.init(), settings: ["PROXYD_TLS_PROFILE": expected.profile]) { fixture, proxyd in
                let connection = try RawHTTPConnection(port: proxyd.port, timeout: 10)
                try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/models", headers: [
                    RequestBuilder.defaultAuthorization, ("User-Agent", "itest-client"),
                ]))
                let response = try connection.readResponse()
                XCTAssertEqual(response.status, 200, "\(label): \(response.bodyText)")
                guard let upstream = upstreamRequest(behind: response, on: fixture),
                      let place = fixture.log.place(ofRequest: upstream.id) else { return }
                let settings = fixture.log.settingsReceived(connection: place.connection).first ?? []
                XCTAssertEqual(settings.map(\.id), expected.settings.map(\.id), label)
                XCTAssertEqual(settings.map(\.value), expected.settings.map(\.value), label)
                XCTAssertEqual(fixture.log.connectionWindowUpdates(connection: place.connection).first, expected.windowUpdate, label)
                XCTAssertEqual(Array(upstream.headers.prefix(4).map(\.name)), expected.pseudoHeaders, label)
                let weight = (fixture.log.priority(ofRequest: upstream.id) ?? nil).map { Int($0.weight) + 1 }
                XCTAssertEqual(weight, expected.priorityWeight, label)
                XCTAssertTrue(upstream.header("user-agent")?.hasPrefix(expected.userAgentPrefix) ?? false,
                              "\(label): \(upstream.header("user-agent") ?? "none")")
                XCTAssertEqual(upstream.headerValues("authorization"), ["Bearer itest-token"], label)
            }
        }
    }
}

import XCTest

/// The contract's routes and streams once more, now with HTTP/2 upstreams: a representative route of each
/// family, header rewriting, relayed statuses, SSE as it arrives and 10 MB in both directions.
final class HTTP2RoutingTests: HTTP2TestCase {
    private static let json = Array(#"{"title":"Renamed","is_visible":false,"x-unknown":{"n":[1,2.50,1e-7]}}"#.utf8)
    private static let tenMB = 10 << 20

    func testRepresentativeRoutesReachTheirUpstreamOverHTTP2() throws {
        let routes: [(method: String, inbound: String, upstreamMethod: String, upstreamURI: String, platform: Bool)] = [
            ("GET", "/chatgpt/conversations?offset=3&limit=7", "GET", "/backend-api/conversations?offset=3&limit=7", false),
            ("POST", "/chatgpt/conversation/c0ffee-2", "PATCH", "/backend-api/conversation/c0ffee-2", false),
            ("DELETE", "/chatgpt/backend-api/conversation/c1/item", "DELETE", "/backend-api/conversation/c1/item", false),
            ("POST", "/platform/v1/embeddings?api-version=2", "POST", "/v1/embeddings?api-version=2", true),
            ("GET", "/platform/dashboard/billing/subscription", "GET", "/dashboard/billing/subscription", true),
        ]
        for route in routes {
            let label = "\(route.method) \(route.inbound)"
            let fixture = route.platform ? h2.platform : h2.chatgpt
            let other = route.platform ? h2.chatgpt : h2.platform
            let otherHeads = other.recorder.headCount
            let body = route.method == "GET" || route.method == "DELETE" ? nil : Self.json
            var headers = [RequestBuilder.defaultAuthorization]
            if body != nil { headers.append(("Content-Type", "application/json")) }
            let response = try request(route.method, route.inbound, headers: headers, body: body)

            XCTAssertEqual(response.status, 200, "\(label): \(response.bodyText)")
            XCTAssertEqual(response.header("content-type"), "application/json", label)
            XCTAssertEqual(response.header("x-fixture"), "upstream", label)
            XCTAssertEqual(other.recorder.headCount, otherHeads, "\(label) went to the wrong upstream")
            guard let upstream = upstreamRequest(behind: response, on: fixture) else { continue }
            XCTAssertEqual(response.body, FixtureResponses.echoBody(for: upstream), "\(label): body relayed unchanged")
            XCTAssertEqual(upstream.method, route.upstreamMethod, label)
            XCTAssertEqual(upstream.uri, route.upstreamURI, label)
            XCTAssertEqual(upstream.header(":scheme"), "https", label)
            XCTAssertEqual(upstream.header(":authority"), "localhost:\(fixture.port)", label)
            XCTAssertNil(upstream.header("host"), "\(label): HTTP/2 carries the host in :authority")
            XCTAssertEqual(upstream.headerValues("authorization"), ["Bearer itest-token"], label)
            XCTAssertEqual(upstream.body, body ?? [], "\(label): body bytes upstream")
        }
        assertNothingReachedHTTP1()
    }

    func testPostBodyArrivesByteForByteAndBearerIsAdded() throws {
        let body = Array("""
            {"model":"gpt-4","temperature":0.70000000000000001,"n":12345678901234567890,
              "messages":[{"role":"user","content":"h\\u00e9llo ☃"}],"unknown_field":{"nested":[1,2.50,null]} }
            """.utf8)
        let response = try request("POST", "/platform/v1/chat/completions", headers: [
            ("Authorization", "sk-raw-token"), ("Content-Type", "application/json; charset=utf-8"),
            ("OpenAI-Organization", "org-itest"),
        ], body: body)
        let upstream = try XCTUnwrap(upstreamRequest(behind: response, on: h2.platform))
        XCTAssertEqual(upstream.body, body)
        XCTAssertEqual(upstream.headerValues("authorization"), ["Bearer sk-raw-token"])
        XCTAssertEqual(upstream.header("content-type"), "application/json; charset=utf-8")
        XCTAssertEqual(upstream.header("openai-organization"), "org-itest")
    }

    func testHopByHopHeadersAreNotForwarded() throws {
        let response = try request("GET", "/chatgpt/models", headers: [
            RequestBuilder.defaultAuthorization, ("Connection", "keep-alive, X-Hop-Marker"), ("X-Hop-Marker", "1"),
            ("Keep-Alive", "timeout=5"), ("Proxy-Connection", "keep-alive"), ("Proxy-Authorization", "Basic eDp5"),
            ("TE", "trailers"), ("Upgrade", "websocket"), ("X-Kept", "yes"),
        ])
        XCTAssertEqual(response.status, 200, response.bodyText)
        let upstream = try XCTUnwrap(upstreamRequest(behind: response, on: h2.chatgpt))
        for name in ["connection", "x-hop-marker", "keep-alive", "proxy-connection", "proxy-authorization", "upgrade", "te"] {
            XCTAssertNil(upstream.header(name), "\(name) is hop-by-hop and must not reach the upstream")
        }
        XCTAssertEqual(upstream.header("x-kept"), "yes")
    }

    /// HTTP/2 trailers reach an HTTP/1.1 client in the last chunk of its chunked body.
    func testTrailersAreRelayedInTheLastChunk() throws {
        let connection = try RawHTTPConnection(port: port, timeout: 10)
        try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__trailers",
                                                 headers: [RequestBuilder.defaultAuthorization, ("Connection", "close")]))
        let head = try connection.readHead()
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("transfer-encoding"), "chunked")
        var raw: [UInt8] = []
        while true {
            let piece = try connection.readRaw(upTo: 4096)
            if piece.isEmpty { break }
            raw += piece
        }
        XCTAssertEqual(String(decoding: raw, as: UTF8.self), "4\r\nbody\r\n0\r\nx-checksum: c0ffee\r\nx-status: done\r\n\r\n")
    }

    func testUpstreamErrorStatusIsRelayedUnchanged() throws {
        let response = try request("GET", "/chatgpt/backend-api/__status?code=418")
        XCTAssertEqual(response.status, 418)
        XCTAssertEqual(response.header("content-type"), FixtureResponses.statusContentType)
        XCTAssertEqual(response.body, FixtureResponses.statusBody(code: 418))
    }

    func testConversationSSEReachesTheClientEventByEvent() throws {
        let body = Array(#"{"action":"next","messages":[{"id":"m1"}]}"#.utf8)
        let connection = try connect()
        try connection.send(RequestBuilder.build("POST", "/chatgpt/conversation", headers: [
            RequestBuilder.defaultAuthorization, ("Content-Type", "application/json"), ("Accept", "text/event-stream"),
        ], body: body))
        let head = try connection.readHead()
        var text = ""
        var arrivals: [UInt64] = []
        let response = try connection.readBody(for: head) { piece, time in
            text += String(decoding: piece, as: UTF8.self)
            while arrivals.count < text.components(separatedBy: "\n\n").count - 1 { arrivals.append(time) }
        }
        let events = FixtureHandler.conversationEvents
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.header("content-type")?.hasPrefix("text/event-stream") == true)
        XCTAssertEqual(response.bodyText, (0..<events).map { "data: {\"i\":\($0)}\n\n" }.joined() + "data: [DONE]\n\n")
        XCTAssertTrue(response.complete)
        let upstream = try XCTUnwrap(h2.chatgpt.recorder.waitForRequest { $0.path == "/backend-api/conversation" })
        XCTAssertEqual(upstream.body, body)
        let sent = h2.chatgpt.recorder.eventSendTimes(requestID: upstream.id)
        XCTAssertEqual(arrivals.count, events + 1)
        guard let firstArrival = arrivals.first, let lastSent = sent.last, let lastArrival = arrivals.last else { return }
        let spacing = Double(FixtureHandler.conversationIntervalMS) / 1000
        XCTAssertGreaterThan(Self.monotonicSeconds(lastSent) - Self.monotonicSeconds(firstArrival),
                             spacing * Double(events) * 0.6, "the first event waited for the last")
        XCTAssertGreaterThan(Self.monotonicSeconds(lastArrival) - Self.monotonicSeconds(firstArrival),
                             spacing * Double(events) * 0.6, "events arrived bunched together")
    }

    func testTenMegabyteUploadsArriveIntact() throws {
        let body = TestPattern.bytes(count: Self.tenMB)
        let plain = try request("POST", "/platform/v1/files", headers: [
            RequestBuilder.defaultAuthorization, ("Content-Type", "application/octet-stream"),
        ], body: body, timeout: 60)
        XCTAssertEqual(plain.status, 200, plain.bodyText)
        let upstream = try XCTUnwrap(upstreamRequest(behind: plain, on: h2.platform))
        XCTAssertEqual(upstream.bodyLength, body.count)
        XCTAssertEqual(upstream.bodyHash, FNV1a.hash(body))

        let chunkedBody = TestPattern.bytes(count: Self.tenMB + 12_345)
        let chunked = try exchange(RequestBuilder.build("POST", "/chatgpt/backend-api/files/upload", headers: [
            RequestBuilder.defaultAuthorization, ("Transfer-Encoding", "chunked"),
        ]) + RequestBuilder.chunked(chunkedBody, chunkSize: 65_000), method: "POST", timeout: 60)
        XCTAssertEqual(chunked.status, 200, chunked.bodyText)
        let chunkedUpstream = try XCTUnwrap(upstreamRequest(behind: chunked, on: h2.chatgpt))
        XCTAssertEqual(chunkedUpstream.bodyLength, chunkedBody.count)
        XCTAssertEqual(chunkedUpstream.bodyHash, FNV1a.hash(chunkedBody))
    }

    func testTenMegabyteDownloadArrivesIntact() throws {
        let response = try request("GET", "/platform/v1/__big?bytes=\(Self.tenMB)", timeout: 60)
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.complete)
        XCTAssertEqual(response.body.count, Self.tenMB)
        XCTAssertEqual(FNV1a.hash(response.body), FNV1a.hash(TestPattern.bytes(count: Self.tenMB)))
    }
}

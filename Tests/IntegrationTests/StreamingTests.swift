import XCTest

/// Streams in both directions: SSE relayed as it arrives, 10 MB bodies passed through intact.
final class StreamingTests: ProxydTestCase {
    private static let tenMB = 10 << 20

    /// Reads a streamed response and notes when each `data:` event was complete at the client.
    private func readEvents(_ connection: RawHTTPConnection) throws -> (response: RawResponse, arrivals: [UInt64]) {
        let head = try connection.readHead()
        var text = ""
        var arrivals: [UInt64] = []
        let response = try connection.readBody(for: head) { piece, time in
            text += String(decoding: piece, as: UTF8.self)
            let complete = text.components(separatedBy: "\n\n").count - 1
            while arrivals.count < complete { arrivals.append(time) }
        }
        return (response, arrivals)
    }

    func testConversationSSEReachesTheClientEventByEvent() throws {
        let body = Array(#"{"action":"next","messages":[{"id":"m1","content":{"parts":["hi"]}}],"temperature":0.5000}"#.utf8)
        let connection = try connect()
        try connection.send(RequestBuilder.build("POST", "/chatgpt/conversation", headers: [
            RequestBuilder.defaultAuthorization, ("Content-Type", "application/json"), ("Accept", "text/event-stream"),
        ], body: body))
        let (response, arrivals) = try readEvents(connection)

        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.header("content-type")?.hasPrefix("text/event-stream") == true)
        let events = FixtureHandler.conversationEvents
        let expected = (0..<events).map { "data: {\"i\":\($0)}\n\n" }.joined() + "data: [DONE]\n\n"
        XCTAssertEqual(response.bodyText, expected)
        XCTAssertTrue(response.complete)

        let upstream = try XCTUnwrap(env.chatgpt.recorder.waitForRequest { $0.path == "/backend-api/conversation" })
        XCTAssertEqual(upstream.method, "POST")
        XCTAssertEqual(upstream.body, body)
        XCTAssertEqual(upstream.headerValues("authorization"), ["Bearer itest-token"])

        // The fixture sends event k at k * interval; buffering anywhere would make the first event arrive with the last.
        let sent = env.chatgpt.recorder.eventSendTimes(requestID: upstream.id)
        XCTAssertEqual(sent.count, events + 1)
        XCTAssertEqual(arrivals.count, events + 1)
        guard let firstArrival = arrivals.first, let lastSent = sent.last else { return }
        let lead = Self.monotonicSeconds(lastSent) - Self.monotonicSeconds(firstArrival)
        let spacing = Double(FixtureHandler.conversationIntervalMS) / 1000
        XCTAssertGreaterThan(lead, spacing * Double(events) * 0.6,
                             "first event reached the client only \(lead) s before the upstream sent the last one")
        let spread = Self.monotonicSeconds(arrivals[arrivals.count - 1]) - Self.monotonicSeconds(firstArrival)
        XCTAssertGreaterThan(spread, spacing * Double(events) * 0.6, "events arrived bunched together")
    }

    func testPlatformStreamIsRelayedAsItArrives() throws {
        let connection = try connect()
        try connection.send(RequestBuilder.build("POST", "/platform/v1/chat/__sse?events=4&interval_ms=250",
                                                 body: Array(#"{"stream":true}"#.utf8)))
        let (response, arrivals) = try readEvents(connection)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(arrivals.count, 5)
        XCTAssertTrue(response.bodyText.hasSuffix("data: [DONE]\n\n"))
        guard let first = arrivals.first, let last = arrivals.last else { return }
        XCTAssertGreaterThan(Self.monotonicSeconds(last) - Self.monotonicSeconds(first), 0.6,
                             "a 1 s stream arrived in one piece")
    }

    func testTenMegabyteRequestBodyWithContentLengthArrivesIntact() throws {
        let body = TestPattern.bytes(count: Self.tenMB)
        let response = try request("POST", "/platform/v1/files", headers: [
            RequestBuilder.defaultAuthorization, ("Content-Type", "application/octet-stream"),
        ], body: body, timeout: 60)
        XCTAssertEqual(response.status, 200, response.bodyText)
        let upstream = try XCTUnwrap(upstreamRequest(behind: response, on: env.platform))
        XCTAssertEqual(upstream.bodyLength, body.count)
        XCTAssertEqual(upstream.bodyHash, FNV1a.hash(body))
    }

    func testTenMegabyteChunkedRequestBodyArrivesIntact() throws {
        let body = TestPattern.bytes(count: Self.tenMB + 12_345)
        let request = RequestBuilder.build("POST", "/chatgpt/backend-api/files/upload", headers: [
            RequestBuilder.defaultAuthorization, ("Transfer-Encoding", "chunked"),
        ]) + RequestBuilder.chunked(body, chunkSize: 65_000)
        let response = try exchange(request, method: "POST", timeout: 60)
        XCTAssertEqual(response.status, 200, response.bodyText)
        let upstream = try XCTUnwrap(upstreamRequest(behind: response, on: env.chatgpt))
        XCTAssertEqual(upstream.method, "POST")
        XCTAssertEqual(upstream.path, "/backend-api/files/upload")
        XCTAssertEqual(upstream.bodyLength, body.count)
        XCTAssertEqual(upstream.bodyHash, FNV1a.hash(body))
    }

    func testTenMegabyteResponseBodyReachesTheClientIntact() throws {
        let response = try request("GET", "/platform/v1/__big?bytes=\(Self.tenMB)", timeout: 60)
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.complete)
        XCTAssertEqual(response.body.count, Self.tenMB)
        XCTAssertEqual(FNV1a.hash(response.body), FNV1a.hash(TestPattern.bytes(count: Self.tenMB)))
    }
}

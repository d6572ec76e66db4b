import Dispatch
import Foundation
import XCTest

/// Requests of known kinds through the real proxyd, then its /metrics scraped and read by the Prometheus client's
/// parser: the counts must be the requests sent, exactly, summed over two workers.
final class MetricsTests: FixtureTestCase {
    private var proxyd: ProxydProcess!

    override func setUpWithError() throws {
        try super.setUpWithError()
        // The platform side points at a port nothing listens on: proxyd's own 502.
        proxyd = try startProxyd(["PROXYD_PLATFORM_URL": "https://localhost:\(try LoopbackSocket.unusedPort())"])
    }

    override func tearDown() {
        if let proxyd { XCTAssertTrue(proxyd.stop(), "proxyd died. Log tail:\n\(proxyd.logTail())") }
        super.tearDown()
    }

    private func scrape(file: StaticString = #filePath, line: UInt = #line) throws -> MetricsScrape {
        try MetricsScrape.fetch(adminPort: try XCTUnwrap(proxyd.adminPort), file: file, line: line)
    }

    /// One request on a connection of its own that asks to close, read to the end: its status and the exact
    /// bytes that went each way.
    private func exchange(_ target: String) throws -> (status: Int, sent: Int, received: Int) {
        let request = RequestBuilder.build("GET", target, headers: [RequestBuilder.defaultAuthorization, ("Connection", "close")])
        let connection = try RawHTTPConnection(port: proxyd.port, timeout: 10)
        try connection.send(request)
        var received: [UInt8] = []
        while true {
            let piece = try connection.readRaw(upTo: 1 << 20)
            if piece.isEmpty { break }
            received += piece
        }
        let statusLine = String(decoding: received.prefix { $0 != 13 }, as: UTF8.self)
        let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, request.count, received.count)
    }

    func testCountsAreTheRequestsSent() throws {
        let before = try scrape()
        var sent = 0, received = 0
        func send(_ target: String, expect status: Int, times: Int) throws {
            for _ in 0..<times {
                let result = try exchange(target)
                XCTAssertEqual(result.status, status, target)
                sent += result.sent
                received += result.received
            }
        }
        try send("/chatgpt/backend-api/echo", expect: 200, times: 4)
        try send("/chatgpt/backend-api/__sse?events=3&interval_ms=20", expect: 200, times: 1)
        try send("/chatgpt/backend-api/__status?code=502", expect: 502, times: 1)  // the upstream's own 502
        try send("/platform/v1/models", expect: 502, times: 2)  // proxyd's 502: the connect is refused
        try send("/no/such/route", expect: 404, times: 3)
        let after = try scrape()

        let expected: [String: [String: Double]] = [
            "chatgpt": ["2xx": 5, "5xx": 1], "platform": ["5xx": 2], "other": ["4xx": 3],
        ]
        for route in ["chatgpt", "platform", "imitate", "login", "health", "other"] {
            for statusClass in ["1xx", "2xx", "3xx", "4xx", "5xx", "none"] {
                let labels = ["route": route, "status_class": statusClass]
                XCTAssertNotNil(after.value("proxyd_requests_total", labels), "\(labels): every series is there")
                XCTAssertEqual(before.delta(to: after, "proxyd_requests_total", labels), expected[route]?[statusClass] ?? 0,
                               "\(labels)")
            }
            // Every request has its duration and, having had an answer, its time to first byte.
            let requests = before.delta(to: after, "proxyd_requests_total", ["route": route])
            for histogram in ["proxyd_request_duration_seconds", "proxyd_request_first_byte_seconds"] {
                XCTAssertEqual(before.delta(to: after, histogram + "_count", ["route": route]), requests, "\(histogram) \(route)")
                XCTAssertEqual(after.value(histogram + "_bucket", ["route": route, "le": "+Inf"]),
                               after.value(histogram + "_count", ["route": route]), "\(histogram) \(route): +Inf is the count")
            }
        }
        XCTAssertEqual(after.value("proxyd_streams_in_flight"), 0, "every stream that began has ended")
        XCTAssertEqual(before.delta(to: after, "proxyd_client_received_bytes_total"), Double(sent), "the requests' bytes")
        XCTAssertEqual(before.delta(to: after, "proxyd_client_sent_bytes_total"), Double(received), "the answers' bytes")
        XCTAssertGreaterThan(before.delta(to: after, "proxyd_upstream_sent_bytes_total"), 0)
        XCTAssertGreaterThan(before.delta(to: after, "proxyd_upstream_received_bytes_total"), 0)

        // The six ChatGPT requests went over HTTP/1.1 (the fixture offers nothing else), each either the first on a
        // new connection or on one that had carried a request; none over HTTP/2.
        let new = before.delta(to: after, "proxyd_upstream_connections_new_total", ["protocol": "h1"])
        let reused = before.delta(to: after, "proxyd_upstream_connections_reused_total", ["protocol": "h1"])
        XCTAssertGreaterThanOrEqual(new, 1)
        XCTAssertEqual(new + reused, 6, "new \(new), reused \(reused)")
        XCTAssertEqual(after.sum("proxyd_upstream_connections_new_total", matching: ["protocol": "h2"]), 0)
        let active = try XCTUnwrap(after.value("proxyd_upstream_connections_active", ["protocol": "h1"]))
        XCTAssertTrue(active >= 1 && active <= new, "active \(active) of \(new)")
        // Each connection set up had its DNS, TCP and TLS stages timed and one TLS handshake; the refused platform
        // dials only their DNS lookups. No proxy is configured.
        for stage in ["dns", "tcp", "tls"] {
            XCTAssertEqual(before.delta(to: after, "proxyd_upstream_connect_stage_seconds_count", ["stage": stage]), new, stage)
        }
        XCTAssertEqual(after.value("proxyd_upstream_connect_stage_seconds_count", ["stage": "proxy"]), 0)
        let handshakes = before.delta(to: after, "proxyd_upstream_tls_handshakes_total")
        XCTAssertEqual(handshakes, new)
        XCTAssertLessThanOrEqual(before.delta(to: after, "proxyd_upstream_tls_resumptions_total"), handshakes)
        let misses = before.delta(to: after, "proxyd_dns_cache_misses_total")
        XCTAssertTrue(misses >= 1 && misses <= 2, "localhost is looked up once per worker, then cached: \(misses)")
        XCTAssertEqual(misses + before.delta(to: after, "proxyd_dns_cache_hits_total"), new + 2, "one lookup per dial")

        XCTAssertEqual(after.types["proxyd_requests"], "counter")
        XCTAssertEqual(after.types["proxyd_request_duration_seconds"], "histogram")
        XCTAssertEqual(after.types["proxyd_streams_in_flight"], "gauge")
        XCTAssertEqual(after.value("proxyd_build_info", ["version": try proxydVersion()]), 1)
        XCTAssertNil(after.types["proxyd_upstream_proxy_down"], "no upstream proxy, no family without series")
    }

    /// A stream is in flight from its start to its end, however it ends: finished, cut by the upstream, or left by
    /// its client.
    func testStreamsInFlightComeBackToZero() throws {
        let streaming = try RawHTTPConnection(port: proxyd.port, timeout: 10)
        try streaming.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__sse?events=5&interval_ms=100"))
        let head = try streaming.readHead()
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(try scrape().value("proxyd_streams_in_flight"), 1, "the stream is under way")
        XCTAssertTrue(try streaming.readBody(for: head).complete)
        XCTAssertEqual(try scrape().value("proxyd_streams_in_flight"), 0, "finished")

        var leaving: RawHTTPConnection? = try RawHTTPConnection(port: proxyd.port, timeout: 10)
        try leaving?.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__sse?events=50&interval_ms=100"))
        XCTAssertEqual(try leaving?.readHead().status, 200)
        let before = try scrape()
        XCTAssertEqual(before.value("proxyd_streams_in_flight"), 1)
        let cut = try RawHTTPConnection(port: proxyd.port, timeout: 10)
        try cut.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__close_mid_body"))
        XCTAssertFalse(try cut.readResponse().complete, "the upstream broke off")
        leaving = nil  // the client goes, mid-stream
        let deadline = DispatchTime.now().uptimeNanoseconds + 5_000_000_000
        var after = try scrape()
        while after.value("proxyd_streams_in_flight") != 0 && DispatchTime.now().uptimeNanoseconds < deadline {
            usleep(50_000)
            after = try scrape()
        }
        XCTAssertEqual(after.value("proxyd_streams_in_flight"), 0, "neither the cut stream nor the one left is in flight")
        // Both had sent their 200 head: each counts once, as a 2xx.
        XCTAssertEqual(before.delta(to: after, "proxyd_requests_total", ["route": "chatgpt", "status_class": "2xx"]), 2)
        XCTAssertEqual(before.delta(to: after, "proxyd_requests_total"), 2)
    }

    /// What `proxyd --version` prints, which the build_info metric must name.
    private func proxydVersion() throws -> String {
        try Command.run(try ProxydProcess.binaryPath(), ["--version"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

import Dispatch
import XCTest

/// An HTTP/2 upstream connection over time: one silent stream times out alone, a connection idle past
/// PROXYD_UPSTREAM_PING_AFTER is checked with PING before reuse (and replaced if the PING goes unanswered), and one
/// idle past PROXYD_UPSTREAM_IDLE_CLOSE says GOAWAY and closes.
final class HTTP2LifecycleTests: HTTP2TestCase {
    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    private static func seconds(since start: UInt64) -> Double { Double(now() &- start) / 1e9 }

    private func send(_ target: String, to proxyd: ProxydProcess) throws -> RawHTTPConnection {
        let connection = try RawHTTPConnection(port: proxyd.port, timeout: 10)
        try connection.send(RequestBuilder.build("GET", target))
        return connection
    }

    private func get(_ target: String, via proxyd: ProxydProcess) throws -> RawResponse {
        try send(target, to: proxyd).readResponse()
    }

    /// The fixture connection that carried a relayed echo answer, or nil (with a failure) if it was no echo.
    private func connection(behind response: RawResponse, on fixture: HTTP2Fixture,
                            file: StaticString = #filePath, line: UInt = #line) -> Int? {
        XCTAssertEqual(response.status, 200, "body: \(response.bodyText.prefix(300))", file: file, line: line)
        guard let request = upstreamRequest(behind: response, on: fixture, file: file, line: line) else { return nil }
        return fixture.log.place(ofRequest: request.id)?.connection
    }

    func testSilentStreamTimesOutAloneWhileItsConnectionKeepsServing() throws {
        try withDedicatedProxy(.init(), settings: ["PROXYD_UPSTREAM_TIMEOUT": "1"]) { fixture, proxyd in
            let sentAt = Self.now()
            let hung = try send("/chatgpt/backend-api/__hang", to: proxyd)
            let hangRequest = try XCTUnwrap(fixture.recorder.waitForRequest { $0.path == "/backend-api/__hang" })
            // 200 ms between events keeps this stream under the 1 s timeout while it outlives the silent one.
            let events = try send("/chatgpt/backend-api/__sse?events=8&interval_ms=200", to: proxyd)

            let timedOut = try hung.readResponse()
            let elapsed = Self.seconds(since: sentAt)
            assertProxydError(timedOut, status: 504, messageContains: ["timeout", "1 s"])
            print("silent HTTP/2 stream, PROXYD_UPSTREAM_TIMEOUT=1: 504 after \(String(format: "%.2f", elapsed)) s")
            XCTAssertGreaterThanOrEqual(elapsed, 0.95, "504 before the timeout ran out")
            XCTAssertLessThan(elapsed, 2.5, "504 should come within timeout + 1.5 s")

            let place = try XCTUnwrap(fixture.log.place(ofRequest: hangRequest.id))
            let resetSeen = fixture.log.wait(timeout: 1) { log in
                log.resetsReceived.contains { $0.connection == place.connection && $0.stream == place.stream }
            }
            XCTAssertTrue(resetSeen, "no RST_STREAM for the timed-out stream")
            let reset = fixture.log.resetsReceived.first { $0.connection == place.connection && $0.stream == place.stream }
            XCTAssertEqual(reset?.code, .cancel)

            let streamed = try events.readResponse()
            XCTAssertEqual(streamed.status, 200)
            XCTAssertTrue(streamed.complete, "the concurrent stream was cut off")
            XCTAssertEqual(streamed.bodyText, (0..<8).map { "data: {\"i\":\($0)}\n\n" }.joined() + "data: [DONE]\n\n")
            let eventsRequest = fixture.recorder.requests.first { $0.path == "/backend-api/__sse" }
            XCTAssertEqual(eventsRequest.flatMap { fixture.log.place(ofRequest: $0.id)?.connection }, place.connection,
                           "both streams shared one connection")

            let after = try get("/chatgpt/models", via: proxyd)
            XCTAssertEqual(connection(behind: after, on: fixture), place.connection,
                           "the connection that lost a stream to the timeout still serves")
            XCTAssertEqual(fixture.log.connectionCount, 1)
        }
    }

    func testIdleConnectionIsCheckedWithPingBeforeReuse() throws {
        try withDedicatedProxy(.init(), settings: ["PROXYD_UPSTREAM_PING_AFTER": "1"]) { fixture, proxyd in
            XCTAssertEqual(connection(behind: try get("/chatgpt/models", via: proxyd), on: fixture), 1)
            usleep(1_500_000)
            XCTAssertEqual(connection(behind: try get("/chatgpt/models", via: proxyd), on: fixture), 1,
                           "a connection that answered the PING is reused")
            XCTAssertEqual(fixture.log.connectionCount, 1)

            let events = fixture.log.events(onConnection: 1).map(\.event)
            let requests = events.indices.filter { if case .headers = events[$0] { return true } else { return false } }
            XCTAssertEqual(requests.count, 2, "events: \(events)")
            guard requests.count == 2 else { return }
            let pings = events.indices.filter { events[$0] == .ping }
            XCTAssertEqual(pings.filter { $0 > requests[0] && $0 < requests[1] }.count, 1,
                           "one PING between the two requests' HEADERS; events: \(events)")
        }
    }

    /// A POST that waits for the PING answer on an open connection once wrote its body into the
    /// HTTP/2 byte stream outside any frame (the server then saw garbage and answered no more streams).
    func testBodyOfARequestWaitingForThePingGoesInDataFramesOnly() throws {
        try withDedicatedProxy(.init(), settings: ["PROXYD_UPSTREAM_PING_AFTER": "1"]) { fixture, proxyd in
            XCTAssertEqual(connection(behind: try get("/chatgpt/models", via: proxyd), on: fixture), 1)
            usleep(1_500_000)
            let body = Array(#"{"action":"next","messages":[]}"#.utf8)
            let post = try RawHTTPConnection(port: proxyd.port, timeout: 10)
            try post.send(RequestBuilder.build("POST", "/chatgpt/backend-api/echo",
                                               headers: [RequestBuilder.defaultAuthorization,
                                                         ("Content-Type", "application/json")], body: body))
            let response = try post.readResponse()
            XCTAssertEqual(connection(behind: response, on: fixture), 1, "the pinged connection carries the POST")
            if let request = upstreamRequest(behind: response, on: fixture) {
                XCTAssertEqual(request.body, body, "the body arrives in DATA frames, byte for byte")
            }
            XCTAssertEqual(connection(behind: try get("/chatgpt/models", via: proxyd), on: fixture), 1,
                           "the connection still works after the POST")
        }
    }

    func testUnansweredPingMovesTheRequestToANewConnection() throws {
        var options = HTTP2Fixture.Options()
        options.ignorePings = true
        let settings = ["PROXYD_UPSTREAM_PING_AFTER": "1", "PROXYD_CONNECT_TIMEOUT": "1"]
        try withDedicatedProxy(options, settings: settings) { fixture, proxyd in
            XCTAssertEqual(connection(behind: try get("/chatgpt/models", via: proxyd), on: fixture), 1)
            usleep(1_500_000)
            let sentAt = Self.now()
            let second = try get("/chatgpt/models", via: proxyd)
            let elapsed = Self.seconds(since: sentAt)
            print("unanswered PING, PROXYD_CONNECT_TIMEOUT=1: request served after \(String(format: "%.2f", elapsed)) s")
            XCTAssertEqual(connection(behind: second, on: fixture), 2, "the unresponsive connection was reused")
            XCTAssertLessThan(elapsed, 2.5)
            XCTAssertEqual(fixture.log.connectionCount, 2)

            let first = fixture.log.events(onConnection: 1).map(\.event)
            XCTAssertTrue(first.contains(.ping), "no PING on the first connection; events: \(first)")
            XCTAssertTrue(fixture.log.wait(timeout: 1) { $0.events(onConnection: 1).contains { $0.event == .closed } },
                          "the connection that did not answer was left open")
        }
    }

    func testIdleConnectionSaysGoAwayAndCloses() throws {
        try withDedicatedProxy(.init(), settings: ["PROXYD_UPSTREAM_IDLE_CLOSE": "1"]) { fixture, proxyd in
            XCTAssertEqual(connection(behind: try get("/chatgpt/models", via: proxyd), on: fixture), 1)
            let answeredAt = Self.now()
            let closed = fixture.log.wait(timeout: 3) { $0.events(onConnection: 1).contains { $0.event == .closed } }
            XCTAssertTrue(closed, "the idle connection stayed open 3 s with PROXYD_UPSTREAM_IDLE_CLOSE=1")

            let observed = fixture.log.events(onConnection: 1)
            let events = observed.map(\.event)
            let goAway = events.firstIndex(of: .goAway(.noError))
            XCTAssertNotNil(goAway, "no GOAWAY(NO_ERROR) before closing; events: \(events)")
            if let goAway, let end = events.firstIndex(of: .closed) {
                XCTAssertLessThan(goAway, end, "GOAWAY came after the close; events: \(events)")
                let idle = Double(observed[goAway].time &- answeredAt) / 1e9
                print("PROXYD_UPSTREAM_IDLE_CLOSE=1: GOAWAY after \(String(format: "%.2f", idle)) s idle")
                XCTAssertGreaterThan(idle, 0.9, "closed before the idle time ran out")
            }

            XCTAssertEqual(connection(behind: try get("/chatgpt/models", via: proxyd), on: fixture), 2)
            XCTAssertEqual(fixture.log.connectionCount, 2)
        }
    }
}

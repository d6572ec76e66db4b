import XCTest

/// Many client requests share few upstream connections: one connection up to the server's stream limit, more
/// only beyond it, and a GOAWAY loses nothing that could be sent again.
final class HTTP2MultiplexingTests: HTTP2TestCase {
    private static func slowGET(_ index: Int, events: Int = 2, intervalMS: Int = 150) -> [UInt8] {
        RequestBuilder.build("GET", "/chatgpt/backend-api/__sse?events=\(events)&interval_ms=\(intervalMS)&n=\(index)")
    }

    private static func expectedEvents(_ count: Int) -> String {
        (0..<count).map { "data: {\"i\":\($0)}\n\n" }.joined() + "data: [DONE]\n\n"
    }

    /// Checks every answer is the complete event stream; returns how many were.
    @discardableResult
    private func assertAllStreamed(_ results: [Result<RawResponse, Error>], events: Int,
                                   file: StaticString = #filePath, line: UInt = #line) -> Int {
        var good = 0
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let response) where response.status == 200 && response.complete
                && response.bodyText == Self.expectedEvents(events):
                good += 1
            case .success(let response):
                XCTFail("request \(index): status \(response.status), complete \(response.complete), "
                    + "body \(response.bodyText.prefix(200).debugDescription)", file: file, line: line)
            case .failure(let error):
                XCTFail("request \(index): \(error)", file: file, line: line)
            }
        }
        return good
    }

    /// Sends `count` slow GETs at once through a dedicated proxyd, checks that every one streamed completely and
    /// reached the upstream, then lets `check` inspect the fixture.
    private func slowLoad(_ options: HTTP2Fixture.Options, count: Int, events: Int, intervalMS: Int,
                          check: (HTTP2Fixture) -> Void) throws {
        try withDedicatedProxy(options) { fixture, proxyd in
            let requests = (0..<count).map { Self.slowGET($0, events: events, intervalMS: intervalMS) }
            let results = try concurrently(port: proxyd.port, requests)
            XCTAssertEqual(assertAllStreamed(results, events: events), count,
                           "Log tail:\n\(proxyd.logTail(maxCharacters: 1500))")
            XCTAssertEqual(Set(fixture.recorder.requests.compactMap { $0.query["n"] }), Set((0..<count).map(String.init)),
                           "every request reached the upstream")
            check(fixture)
        }
    }

    func testFiftyConcurrentRequestsShareOneUpstreamConnection() throws {
        try slowLoad(.init(), count: 50, events: 2, intervalMS: 150) { fixture in
            XCTAssertEqual(fixture.recorder.requests.count, 50, "no request reached the upstream twice")
            XCTAssertEqual(fixture.log.connectionCount, 1, "50 streams fit under MAX_CONCURRENT_STREAMS=100")
            XCTAssertEqual(fixture.log.refusedCount, 0)
        }
    }

    func testStreamLimitOfTwoOpensMoreConnectionsWithoutFailures() throws {
        var options = HTTP2Fixture.Options()
        options.maxConcurrentStreams = 2
        try slowLoad(options, count: 10, events: 2, intervalMS: 200) { fixture in
            let perConnection = Dictionary(grouping: fixture.recorder.requests) {
                fixture.log.place(ofRequest: $0.id)?.connection ?? 0
            }.mapValues(\.count)
            print("MAX_CONCURRENT_STREAMS=2, 10 slow requests: \(fixture.log.connectionCount) connections, "
                + "requests per connection \(perConnection.sorted { $0.key < $1.key }), "
                + "\(fixture.log.refusedCount) streams refused by the fixture")
            XCTAssertGreaterThanOrEqual(fixture.log.connectionCount, 2, "10 concurrent streams cannot fit in one of 2")
        }
    }

    func testGoAwayMidLoadRetriesTheStreamsAboveLastStreamID() throws {
        var options = HTTP2Fixture.Options()
        options.goAwayAfterStreams = 8
        try slowLoad(options, count: 30, events: 3, intervalMS: 100) { fixture in
            XCTAssertEqual(fixture.log.goAwaysSent.count, 1)
            let requests = fixture.recorder.requests
            XCTAssertEqual(requests.count, 30, "each request reached the upstream once: the 8 before GOAWAY were not repeated")
            let onFirst = requests.filter { fixture.log.place(ofRequest: $0.id)?.connection == 1 }.count
            XCTAssertEqual(onFirst, 8, "the draining connection served exactly the streams up to last-stream-id")
            XCTAssertGreaterThanOrEqual(fixture.log.connectionCount, 2)
        }
    }
}

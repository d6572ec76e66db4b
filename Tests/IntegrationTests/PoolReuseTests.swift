import XCTest

/// The per-worker upstream pool: sequential requests share one TLS connection, and a pooled connection the
/// upstream has closed is discarded or retried, never turned into an error for the client.
final class PoolReuseTests: ProxydTestCase {
    private var log: ConnectionLog { env.chatgpt.connections }

    /// The fixture connections whose requests included `target`.
    private func carriers(of target: String) -> [ConnectionLog.Entry] {
        log.all.filter { $0.uris.contains(target) }
    }

    private func get(_ target: String, on connection: RawHTTPConnection,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api\(target)"))
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200, "\(target): \(response.bodyText)\nLog tail:\n\(env.proxyd.logTail())",
                       file: file, line: line)
        XCTAssertEqual(upstreamRequest(behind: response, on: env.chatgpt)?.path, "/backend-api\(target)",
                       file: file, line: line)
    }

    func testTwentySequentialRequestsShareOneUpstreamConnection() throws {
        let connection = try connect()
        let targets = (0..<20).map { "/pooled/\($0)" }
        for target in targets { try get(target, on: connection) }
        let upstreamTargets = targets.map { "/backend-api\($0)" }
        let used = log.all.filter { entry in entry.uris.contains { upstreamTargets.contains($0) } }
        XCTAssertEqual(used.count, 1, "20 requests used \(used.count) upstream connections: \(used.map(\.uris))")
        XCTAssertEqual(used.first.map { Array($0.uris.suffix(20)) }, upstreamTargets)
        XCTAssertNil(used.first?.closedAt, "the pooled connection should still be open")
    }

    /// The upstream's idle timeout fired: the pooled connection is gone and proxyd has had time to notice.
    func testUpstreamClosingAnIdlePooledConnectionIsNotAnErrorForTheNextRequest() throws {
        let connection = try connect()
        try get("/before-idle-close", on: connection)
        log.closeAll()
        XCTAssertTrue(log.wait(timeout: 2) { $0.allSatisfy { $0.closedAt != nil } })
        usleep(200_000)
        try get("/after-idle-close", on: connection)
        // A body makes a retry impossible once sent, so only discarding the dead connection makes this pass.
        try connection.send(RequestBuilder.build("POST", "/chatgpt/backend-api/after-idle-close-post",
                                                 body: Array(#"{"after":"close"}"#.utf8)))
        let post = try connection.readResponse(method: "POST")
        XCTAssertEqual(post.status, 200, post.bodyText)
        XCTAssertEqual(upstreamRequest(behind: post, on: env.chatgpt)?.bodyLength, 17)
    }

    /// The same, with the next request sent at once: proxyd may still hold the dead connection as idle.
    func testRequestRightAfterTheUpstreamClosedThePooledConnectionSucceeds() throws {
        let connection = try connect()
        try get("/before-racing-close", on: connection)
        log.closeAll()
        try get("/after-racing-close", on: connection)
    }

    /// The upstream closes just as the request arrives on a reused connection, without answering: a request
    /// with no body that got no response byte is safe to send again on a fresh connection.
    func testStaleConnectionClosedOnTheRequestIsRetriedOnAFreshOne() throws {
        let connection = try connect()
        try get("/before-stale", on: connection)
        log.dropNextRequestOnReusedConnection()
        try get("/after-stale", on: connection)
        let tried = carriers(of: "/backend-api/after-stale")
        XCTAssertEqual(tried.count, 2, "expected the dropped attempt and the retry: \(tried.map(\.uris))")
        XCTAssertNotNil(tried.first?.closedAt)
    }
}

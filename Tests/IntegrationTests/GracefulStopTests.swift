import Dispatch
import Glibc
import XCTest

/// SIGTERM (what systemd and `docker stop` send) drains proxyd: no new connections, idle ones closed at once,
/// the requests and streams under way finished, then exit status 0. PROXYD_DRAIN_TIMEOUT bounds the wait, and a
/// second SIGTERM stops at once.
final class GracefulStopTests: FixtureTestCase {
    /// A stream of `events` SSE events 100 ms apart, its head read.
    private func startStream(through proxyd: ProxydProcess, events: Int) throws -> (RawHTTPConnection, ResponseHead) {
        let connection = try RawHTTPConnection(port: proxyd.port, timeout: 10)
        try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__sse?events=\(events)&interval_ms=100"))
        let head = try connection.readHead()
        XCTAssertEqual(head.status, 200)
        return (connection, head)
    }

    /// Seconds from `started` until proxyd has exited (at most `limit`).
    private func waitForExit(_ proxyd: ProxydProcess, since started: UInt64, limit: Double) -> Double {
        let deadline = started + UInt64(limit * 1e9)
        while proxyd.isRunning && DispatchTime.now().uptimeNanoseconds < deadline { usleep(10_000) }
        return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }

    private func assertExitedCleanly(_ proxyd: ProxydProcess, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(proxyd.isRunning, "proxyd still runs. Log tail:\n\(proxyd.logTail())", file: file, line: line)
        let (status, bySignal) = proxyd.termination
        XCTAssertFalse(bySignal, "killed by signal \(status). Log tail:\n\(proxyd.logTail())", file: file, line: line)
        XCTAssertEqual(status, 0, "exit status. Log tail:\n\(proxyd.logTail())", file: file, line: line)
    }

    func testNothingUnderWayExitsAtOnceAndClosesIdleConnections() throws {
        let proxyd = try startProxyd()
        defer { _ = proxyd.stop() }
        let idle = try RawHTTPConnection(port: proxyd.port, timeout: 5)
        try idle.send(RequestBuilder.build("GET", "/chatgpt/models"))
        XCTAssertEqual(try idle.readResponse().status, 200)
        let silent = try RawHTTPConnection(port: proxyd.port, timeout: 5)

        let started = DispatchTime.now().uptimeNanoseconds
        XCTAssertEqual(kill(proxyd.pid, SIGTERM), 0)
        let took = waitForExit(proxyd, since: started, limit: 5)
        assertExitedCleanly(proxyd)
        XCTAssertLessThan(took, 2, "nothing was under way, yet proxyd took \(took) s to stop")
        XCTAssertTrue(idle.waitForClose(timeout: 1).closed, "idle keep-alive connections are closed")
        XCTAssertTrue(silent.waitForClose(timeout: 1).closed, "connections without a request are closed")
    }

    /// A chat answer streaming when systemd restarts proxyd reaches its end; meanwhile nobody new gets in.
    func testAStreamUnderWayFinishesAndNewConnectionsAreRefused() throws {
        let proxyd = try startProxyd()
        defer { _ = proxyd.stop() }
        let (streaming, head) = try startStream(through: proxyd, events: 15)

        let started = DispatchTime.now().uptimeNanoseconds
        XCTAssertEqual(kill(proxyd.pid, SIGTERM), 0)
        usleep(300_000)
        XCTAssertThrowsError(try LoopbackSocket.connect(port: proxyd.port, timeout: 1), "a draining proxyd accepted a connection")

        let body = try streaming.readBody(for: head)
        XCTAssertTrue(body.complete, "the stream was cut")
        XCTAssertTrue(body.bodyText.contains("data: {\"i\":14}") && body.bodyText.hasSuffix("data: [DONE]\n\n"), body.bodyText)
        XCTAssertEqual(head.header("connection")?.lowercased(), nil, "the head went out before the drain began")
        XCTAssertTrue(streaming.waitForClose(timeout: 3).closed, "the connection closes after its last response")
        let took = waitForExit(proxyd, since: started, limit: 10)
        assertExitedCleanly(proxyd)
        XCTAssertGreaterThan(took, 1, "proxyd left before the stream's end")
        XCTAssertLessThan(took, 6)
    }

    func testDrainTimeoutCutsWhatIsStillRunning() throws {
        let proxyd = try startProxyd(["PROXYD_DRAIN_TIMEOUT": "1"])
        defer { _ = proxyd.stop() }
        let (streaming, head) = try startStream(through: proxyd, events: 100)

        let started = DispatchTime.now().uptimeNanoseconds
        XCTAssertEqual(kill(proxyd.pid, SIGTERM), 0)
        let took = waitForExit(proxyd, since: started, limit: 8)
        assertExitedCleanly(proxyd)
        XCTAssertGreaterThan(took, 0.9, "proxyd did not wait for the stream")
        XCTAssertLessThan(took, 3, "PROXYD_DRAIN_TIMEOUT=1 took \(took) s")
        XCTAssertFalse(try streaming.readBody(for: head).complete, "a 10 s stream cannot have finished")
        XCTAssertTrue(proxyd.log.contains("drain timeout"), proxyd.logTail())
    }

    func testASecondSIGTERMStopsAtOnce() throws {
        let proxyd = try startProxyd()
        defer { _ = proxyd.stop() }
        let (streaming, _) = try startStream(through: proxyd, events: 100)

        let started = DispatchTime.now().uptimeNanoseconds
        XCTAssertEqual(kill(proxyd.pid, SIGTERM), 0)
        usleep(300_000)
        XCTAssertTrue(proxyd.isRunning, "the first SIGTERM drains: a 10 s stream is under way")
        XCTAssertEqual(kill(proxyd.pid, SIGTERM), 0)
        let took = waitForExit(proxyd, since: started, limit: 5)
        assertExitedCleanly(proxyd)
        XCTAssertLessThan(took, 1.5, "the second SIGTERM took \(took) s")
        withExtendedLifetime(streaming) {}  // open until here, so the drain has a stream to wait for
    }
}

import Dispatch
import XCTest

/// SIGTERM (what systemd and `docker stop` send) ends proxyd cleanly and quickly, open connections or not.
final class GracefulStopTests: XCTestCase {
    func testSIGTERMExitsWithStatusZeroWithinTwoSeconds() throws {
        let pki = try TestPKI.shared.get()
        let fixture = try UpstreamFixture.trusted(pki)
        defer { fixture.shutdown() }
        let proxyd = try ProxydProcess(settings: ProxydProcess.baseSettings(pki: pki).merging([
            "PROXYD_CHATGPT_URL": fixture.baseURL, "PROXYD_PLATFORM_URL": fixture.baseURL,
        ]) { $1 })
        defer { _ = proxyd.stop() }

        // Something to tear down: an idle keep-alive client connection, a pooled upstream one, a silent client.
        let idle = try RawHTTPConnection(port: proxyd.port, timeout: 5)
        try idle.send(RequestBuilder.build("GET", "/chatgpt/models"))
        XCTAssertEqual(try idle.readResponse().status, 200)
        let silent = try RawHTTPConnection(port: proxyd.port, timeout: 5)
        // And a 5 s stream under way: stopping must not wait for it to end.
        let streaming = try RawHTTPConnection(port: proxyd.port, timeout: 5)
        try streaming.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__sse?events=50&interval_ms=100"))
        XCTAssertEqual(try streaming.readHead().status, 200)

        let started = DispatchTime.now().uptimeNanoseconds
        XCTAssertEqual(kill(proxyd.pid, SIGTERM), 0)
        let deadline = started + 5_000_000_000
        while proxyd.isRunning && DispatchTime.now().uptimeNanoseconds < deadline { usleep(10_000) }
        let took = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9

        XCTAssertFalse(proxyd.isRunning, "proxyd ignored SIGTERM for 5 s. Log tail:\n\(proxyd.logTail())")
        XCTAssertLessThan(took, 2, "proxyd took \(took) s to stop")
        let (status, bySignal) = proxyd.termination
        XCTAssertFalse(bySignal, "proxyd was killed by signal \(status) instead of exiting. Log tail:\n\(proxyd.logTail())")
        XCTAssertEqual(status, 0, "exit status. Log tail:\n\(proxyd.logTail())")
        XCTAssertTrue(silent.waitForClose(timeout: 1).closed, "client connections must be closed on exit")
    }
}

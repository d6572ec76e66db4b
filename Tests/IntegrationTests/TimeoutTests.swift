import Dispatch
import XCTest

/// The client-side timers: a request head must complete in PROXYD_HEADER_TIMEOUT, an idle keep-alive connection
/// lives PROXYD_IDLE_TIMEOUT, and a connection in use is never cut by either.
final class TimeoutTests: ProxydTestCase {
    override class func extraSettings() throws -> [String: String] {
        ["PROXYD_HEADER_TIMEOUT": "1", "PROXYD_IDLE_TIMEOUT": "1"]
    }

    private func elapsed(since start: UInt64) -> Double {
        Self.monotonicSeconds(DispatchTime.now().uptimeNanoseconds - start)
    }

    func testHalfARequestHeadGets408AndTheConnectionCloses() throws {
        let headsBefore = env.chatgpt.recorder.headCount
        let connection = try connect(timeout: 5)
        let started = DispatchTime.now().uptimeNanoseconds
        try connection.send("GET /chatgpt/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthor")
        let response = try connection.readResponse()
        let waited = elapsed(since: started)
        assertProxydError(response, status: 408)
        XCTAssertGreaterThanOrEqual(waited, 0.8, "PROXYD_HEADER_TIMEOUT is 1 s")
        XCTAssertLessThan(waited, 3, "PROXYD_HEADER_TIMEOUT is 1 s")
        XCTAssertEqual(response.header("connection")?.lowercased(), "close")
        XCTAssertTrue(connection.waitForClose(timeout: 3).closed, "proxyd must close after the 408")
        XCTAssertEqual(env.chatgpt.recorder.headCount, headsBefore, "a half head must not reach the upstream")
    }

    /// Found by this suite: proxyd said "within 0 s" here (the header timeout was divided down to whole seconds).
    func testThe408NamesAFractionalHeaderTimeoutExactly() throws {
        let proxyd = try ProxydProcess(settings: ProxydProcess.baseSettings(pki: env.pki).merging([
            "PROXYD_CHATGPT_URL": env.chatgpt.baseURL, "PROXYD_PLATFORM_URL": env.platform.baseURL,
            "PROXYD_HEADER_TIMEOUT": "0.5",
        ]) { $1 })
        defer { _ = proxyd.stop() }
        let connection = try RawHTTPConnection(port: proxyd.port, timeout: 5)
        try connection.send("GET /healthz HTTP/1.1\r\n")
        assertProxydError(try connection.readResponse(), status: 408, messageContains: ["0.5 s"])
    }

    /// Slowloris: a byte every 200 ms must not restart the head timer; the 408 (and proxyd's half-close) must
    /// come about 1 s after the first byte, while the trickle is still going.
    func testTricklingAHeadDoesNotExtendTheHeaderTimeout() throws {
        let connection = try connect(timeout: 5)
        let started = DispatchTime.now().uptimeNanoseconds
        let head = Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: abcdefghijklmnopqrstuvwxyz\r\n".utf8)
        var answeredAfter: Double?
        for byte in head where elapsed(since: started) < 2.2 {
            try? connection.send([byte])  // fails once proxyd has given up and closed
            if connection.waitForClose(timeout: 0.2).closed {
                answeredAfter = elapsed(since: started)
                break
            }
        }
        let answered = try XCTUnwrap(answeredAfter, "no answer in 2.2 s: the trickle keeps the connection alive")
        XCTAssertLessThan(answered, 2, "the head timer must run from the first byte, however slowly the rest comes")
        assertProxydError(try connection.readResponse(), status: 408)
    }

    func testIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws {
        let connection = try connect(timeout: 5)
        try connection.send(RequestBuilder.build("GET", "/healthz", headers: []))
        XCTAssertEqual(try connection.readResponse().status, 200)
        let started = DispatchTime.now().uptimeNanoseconds
        let (closed, extra) = connection.waitForClose(timeout: 4)
        let waited = elapsed(since: started)
        XCTAssertTrue(closed, "an idle keep-alive connection must be closed by proxyd")
        XCTAssertEqual(extra, 0, "nothing is sent on an idle close")
        XCTAssertGreaterThanOrEqual(waited, 0.8, "PROXYD_IDLE_TIMEOUT is 1 s")
        XCTAssertLessThan(waited, 3, "PROXYD_IDLE_TIMEOUT is 1 s")
    }

    /// A fresh connection that never sends anything is idle too.
    func testSilentNewConnectionIsClosedAfterTheIdleTimeout() throws {
        let connection = try connect(timeout: 5)
        let started = DispatchTime.now().uptimeNanoseconds
        XCTAssertTrue(connection.waitForClose(timeout: 4).closed)
        XCTAssertLessThan(elapsed(since: started), 3, "PROXYD_IDLE_TIMEOUT is 1 s")
    }

    /// Requests 400 ms apart for 2.5 s, forwarded and local: each one restarts the idle timer.
    func testConnectionThatKeepsSendingRequestsStaysOpen() throws {
        let connection = try connect(timeout: 5)
        let started = DispatchTime.now().uptimeNanoseconds
        var index = 0
        while elapsed(since: started) < 2.5 {
            let request = index % 2 == 0
                ? RequestBuilder.build("GET", "/chatgpt/backend-api/busy/\(index)")
                : RequestBuilder.build("GET", "/healthz", headers: [])
            try connection.send(request)
            let response = try connection.readResponse()
            XCTAssertEqual(response.status, 200, "request \(index) after \(elapsed(since: started)) s")
            XCTAssertNotEqual(response.header("connection")?.lowercased(), "close")
            index += 1
            usleep(400_000)
        }
        XCTAssertGreaterThanOrEqual(index, 5)
    }

    /// A slow upstream answer is not idleness: the client timers must not fire while an exchange runs.
    func testSlowStreamLongerThanBothTimeoutsIsRelayedWhole() throws {
        let connection = try connect(timeout: 5)
        try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__sse?events=5&interval_ms=500"))
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.complete, "stream cut after \(response.bodyText.debugDescription)")
        XCTAssertTrue(response.bodyText.hasSuffix("data: [DONE]\n\n"))
    }
}

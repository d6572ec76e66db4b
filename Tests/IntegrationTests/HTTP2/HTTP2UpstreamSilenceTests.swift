import Dispatch
import XCTest

/// Issue 10, defects 1-3: an HTTP/2 upstream that goes silent at each point of an exchange. Whatever the point,
/// the client's exchange must end at PROXYD_UPSTREAM_TIMEOUT (with 504 before any response byte, truncated after),
/// and a response head must reach the client when it arrives, not with the first DATA frame. The HTTP/1.1
/// upstream case of the upload is here too, so the two protocols are held to the same rule.
final class HTTP2UpstreamSilenceTests: HTTP2TestCase {
    private static let timeout = 2.0
    /// Slack for a loaded CI machine running the debug build; far below what the defects showed (15 s and more).
    private static let margin = 1.5
    /// How long a test waits for a byte before calling the connection stuck: well past timeout + margin.
    private static let patience = 10.0

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    private static func seconds(since start: UInt64) -> Double { Double(now() &- start) / 1e9 }

    private static func format(_ seconds: Double) -> String { String(format: "%.2f", seconds) }

    private func silent(_ body: (HTTP2Fixture, ProxydProcess) throws -> Void) throws {
        try withDedicatedProxy(.init(), settings: ["PROXYD_UPSTREAM_TIMEOUT": String(Self.timeout)], body)
    }

    /// Reads the rest of a response whose head has arrived; nil (with a failure naming how long the client has
    /// waited) if nothing came for `patience` seconds.
    private func body(after head: ResponseHead, on connection: RawHTTPConnection, since start: UInt64,
                      file: StaticString = #filePath, line: UInt = #line) throws -> RawResponse? {
        do {
            return try connection.readBody(for: head)
        } catch RawHTTPError.timedOut {
            XCTFail("the response was still open \(Self.format(Self.seconds(since: start))) s after the request "
                    + "(PROXYD_UPSTREAM_TIMEOUT is \(Self.timeout) s)", file: file, line: line)
            return nil
        }
    }

    /// Defect 1. On main: the response stayed open after the DATA frame until the client gave up (10 s).
    func testStreamSilentAfterItsFirstDataFrameIsCutAtTheUpstreamTimeout() throws {
        try silent { _, proxyd in
            let connection = try RawHTTPConnection(port: proxyd.port, timeout: Self.patience)
            let sentAt = Self.now()
            try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__stall"))
            let head = try connection.readHead()
            XCTAssertEqual(head.status, 200)
            guard let response = try body(after: head, on: connection, since: sentAt) else { return }
            let ended = Self.seconds(since: sentAt)
            print("HTTP/2 stream silent after one DATA frame, timeout \(Self.timeout) s: ended after \(Self.format(ended)) s")
            XCTAssertFalse(response.complete, "a cut relay must not look complete (no last chunk)")
            XCTAssertEqual(response.body, TestPattern.bytes(count: 100), "the DATA that did arrive is relayed")
            XCTAssertGreaterThanOrEqual(ended, Self.timeout - 0.1, "cut before the timeout ran out")
            XCTAssertLessThan(ended, Self.timeout + Self.margin)
            XCTAssertTrue(connection.waitForClose(timeout: 1).closed, "the connection must close after a cut relay")
        }
    }

    /// Defect 2, first half. On main: the status line came with the DATA frame (3.05 s).
    func testResponseHeadIsRelayedBeforeTheFirstDataFrame() throws {
        try withDedicatedProxy(.init(), settings: ["PROXYD_UPSTREAM_TIMEOUT": "5"]) { _, proxyd in
            let connection = try RawHTTPConnection(port: proxyd.port, timeout: Self.patience)
            let sentAt = Self.now()
            try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__late_body?after_ms=3000"))
            let head = try connection.readHead()
            let headAfter = Self.seconds(since: sentAt)
            print("HTTP/2 HEADERS, DATA 3 s later: status line after \(Self.format(headAfter)) s")
            XCTAssertEqual(head.status, 200)
            XCTAssertLessThan(headAfter, 1, "the status line waited for the body")
            guard let response = try body(after: head, on: connection, since: sentAt) else { return }
            XCTAssertTrue(response.complete)
            XCTAssertEqual(response.bodyText, "late")
            XCTAssertGreaterThanOrEqual(Self.seconds(since: sentAt), 2.9)
        }
    }

    /// Defect 2, second half. On main: an empty reply at the timeout (no status line, no 504: the connection
    /// closed after 2.02 s), because the timeout took the "client stopped reading" path.
    func testHeadersThenSilenceGivesTheStatusThenATruncatedBodyAtTheTimeout() throws {
        try silent { _, proxyd in
            let connection = try RawHTTPConnection(port: proxyd.port, timeout: Self.patience)
            let sentAt = Self.now()
            try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__late_body?after_ms=60000"))
            let head: ResponseHead
            do {
                head = try connection.readHead()
            } catch {
                return XCTFail("no status line, \(error), after \(Self.format(Self.seconds(since: sentAt))) s")
            }
            let headAfter = Self.seconds(since: sentAt)
            XCTAssertEqual(head.status, 200)
            XCTAssertLessThan(headAfter, 1, "the status line waited for the body")
            guard let response = try body(after: head, on: connection, since: sentAt) else { return }
            let ended = Self.seconds(since: sentAt)
            print("HTTP/2 HEADERS then silence, timeout \(Self.timeout) s: head after \(Self.format(headAfter)) s, "
                  + "ended after \(Self.format(ended)) s")
            XCTAssertFalse(response.complete, "a cut relay must not look complete (no last chunk)")
            XCTAssertEqual(response.body, [])
            XCTAssertGreaterThanOrEqual(ended, Self.timeout - 0.1, "cut before the timeout ran out")
            XCTAssertLessThan(ended, Self.timeout + Self.margin)
        }
    }

    /// Defect 3 over HTTP/2. On main: no answer by the time the client gave up (10 s), though the upstream had read
    /// all 1048576 bytes.
    func testOneMegabyteUploadThenSilenceIs504AtTheUpstreamTimeout() throws {
        try silent { fixture, proxyd in
            try assertUploadThenSilenceIs504(port: proxyd.port, recorder: fixture.recorder)
        }
    }

    /// Defect 3 over HTTP/1.1: passes on main (504 after 2.0 s), as the issue found; it holds the two upstream
    /// protocols to the same rule while the timers move.
    func testOneMegabyteUploadThenSilenceIs504AtTheUpstreamTimeoutOverHTTP1() throws {
        let proxyd = try ProxydProcess(settings: ProxydProcess.baseSettings(pki: env.pki).merging([
            "PROXYD_CHATGPT_URL": env.chatgpt.baseURL, "PROXYD_PLATFORM_URL": env.platform.baseURL,
            "PROXYD_WORKERS": "1", "PROXYD_UPSTREAM_TIMEOUT": String(Self.timeout),
        ]) { $1 })
        try assertUploadThenSilenceIs504(port: proxyd.port, recorder: env.chatgpt.recorder)
        let log = proxyd.logTail()
        XCTAssertTrue(proxyd.stop(), "proxyd died. Log tail:\n\(log)")
    }

    private func assertUploadThenSilenceIs504(port: Int, recorder: RequestRecorder,
                                              file: StaticString = #filePath, line: UInt = #line) throws {
        let upload = TestPattern.bytes(count: 1 << 20)
        let connection = try RawHTTPConnection(port: port, timeout: Self.patience)
        let sentAt = Self.now()
        try connection.send(RequestBuilder.build("POST", "/chatgpt/backend-api/__hang", body: upload))
        let uploadedAfter = Self.seconds(since: sentAt)
        let response: RawResponse
        do {
            response = try connection.readResponse(method: "POST")
        } catch {
            let waited = Self.seconds(since: sentAt)
            let received = recorder.requests.last { $0.path == "/backend-api/__hang" }?.bodyLength ?? 0
            return XCTFail("no answer \(Self.format(waited)) s after a 1 MB upload (\(error)); the upstream had read "
                           + "\(received) bytes", file: file, line: line)
        }
        let answered = Self.seconds(since: sentAt)
        print("1 MB upload, then a silent upstream, timeout \(Self.timeout) s: \(response.status) after "
              + "\(Self.format(answered)) s (upload sent in \(Self.format(uploadedAfter)) s)")
        assertProxydError(response, status: 504, messageContains: ["timeout"], file: file, line: line)
        XCTAssertGreaterThanOrEqual(answered, Self.timeout - 0.1, "504 before the timeout ran out", file: file, line: line)
        XCTAssertLessThan(answered, uploadedAfter + Self.timeout + Self.margin, file: file, line: line)
        let recorded = recorder.waitForRequest { $0.path == "/backend-api/__hang" && $0.method == "POST" }
        XCTAssertEqual(recorded?.bodyHash, FNV1a.hash(upload), "the upstream read the whole upload", file: file, line: line)
    }
}

import Dispatch
import XCTest

/// Upstreams that refuse, fail TLS verification, hang or break off: each gives the documented status and a
/// message naming the stage, and proxyd keeps serving.
final class UpstreamFailureTests: ProxydTestCase {
    /// The platform side points at a loopback port nothing listens on.
    override class func extraSettings() throws -> [String: String] {
        ["PROXYD_PLATFORM_URL": "https://localhost:\(try LoopbackSocket.unusedPort())", "PROXYD_UPSTREAM_TIMEOUT": "2"]
    }

    func testRefusedUpstreamIs502NamingTheConnectStage() throws {
        let response = try request("GET", "/platform/v1/models")
        assertProxydError(response, status: 502, messageContains: ["connect"])
        assertStillServing()
    }

    func testUntrustedUpstreamCertificateIs502NamingTLSVerification() throws {
        let untrusted = try UpstreamFixture.untrusted(env.pki)
        defer { untrusted.shutdown() }
        let proxyd = try ProxydProcess(settings: ProxydProcess.baseSettings(pki: env.pki).merging([
            "PROXYD_CHATGPT_URL": untrusted.baseURL, "PROXYD_PLATFORM_URL": env.platform.baseURL,
        ]) { $1 })
        let connection = try RawHTTPConnection(port: proxyd.port, timeout: 10)
        try connection.send(RequestBuilder.build("GET", "/chatgpt/models"))
        let response = try connection.readResponse()
        assertProxydError(response, status: 502, messageContains: ["TLS", "certificate verify failed"])
        XCTAssertEqual(untrusted.recorder.headCount, 0, "a request was sent over an unverified connection")
        let healthz = try RawHTTPConnection(port: proxyd.port, timeout: 5)
        try healthz.send(RequestBuilder.build("GET", "/healthz", headers: []))
        XCTAssertEqual(try healthz.readResponse().status, 200)
        let log = proxyd.logTail()
        XCTAssertTrue(proxyd.stop(), "proxyd with the untrusted upstream died. Log tail:\n\(log)")
    }

    func testHangingUpstreamIs504AfterTheUpstreamTimeout() throws {
        let started = DispatchTime.now().uptimeNanoseconds
        let response = try request("GET", "/chatgpt/backend-api/__hang", timeout: 10)
        let elapsed = Self.monotonicSeconds(DispatchTime.now().uptimeNanoseconds - started)
        assertProxydError(response, status: 504, messageContains: ["time"])
        XCTAssertGreaterThanOrEqual(elapsed, 1.5, "PROXYD_UPSTREAM_TIMEOUT is 2 s")
        XCTAssertLessThan(elapsed, 4.0, "PROXYD_UPSTREAM_TIMEOUT is 2 s")
        XCTAssertNotNil(env.chatgpt.recorder.waitForRequest { $0.path == "/backend-api/__hang" })
        assertStillServing()
    }

    /// A relay already under way cannot turn into an error status: the client must see the body cut short.
    func testUpstreamClosingMidBodyTruncatesTheClientResponse() throws {
        let connection = try connect(timeout: 5)
        try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__close_mid_body"))
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertFalse(response.complete, "a truncated relay must not look complete")
        XCTAssertLessThan(response.body.count, 1000)
        XCTAssertEqual(response.body, TestPattern.bytes(count: response.body.count))
        XCTAssertTrue(connection.waitForClose(timeout: 3).closed)
        assertStillServing()
    }
}

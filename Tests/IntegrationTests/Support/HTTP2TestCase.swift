import Dispatch
import Foundation
import XCTest

/// `ProxydTestCase` with both upstream base URLs pointing at HTTP/2 fixtures instead, and one worker so that
/// every request of a test shares one upstream pool and connection counts are exact. The class's HTTP/1.1
/// fixtures stay up but unused; `assertNothingReachedHTTP1` proves it.
class HTTP2TestCase: ProxydTestCase {
    struct Upstreams {
        let chatgpt: HTTP2Fixture
        let platform: HTTP2Fixture

        func shutdown() {
            chatgpt.shutdown()
            platform.shutdown()
        }
    }

    private static var upstreams: [ObjectIdentifier: Upstreams] = [:]

    override class func setUp() {
        if let pki = try? TestPKI.shared.get(),
           let chatgpt = try? HTTP2Fixture(pki: pki),
           let platform = try? HTTP2Fixture(pki: pki) {
            upstreams[ObjectIdentifier(self)] = Upstreams(chatgpt: chatgpt, platform: platform)
        }
        super.setUp()
    }

    override class func tearDown() {
        super.tearDown()
        upstreams.removeValue(forKey: ObjectIdentifier(self))?.shutdown()
    }

    override class func extraSettings() throws -> [String: String] {
        guard let h2 = upstreams[ObjectIdentifier(self)] else { throw TestSetupError("HTTP/2 fixtures did not start") }
        return ["PROXYD_CHATGPT_URL": h2.chatgpt.baseURL, "PROXYD_PLATFORM_URL": h2.platform.baseURL,
                "PROXYD_WORKERS": "1"]
    }

    var h2: Upstreams {
        guard let found = Self.upstreams[ObjectIdentifier(type(of: self))] else { fatalError("class setUp did not run") }
        return found
    }

    func assertNothingReachedHTTP1(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(env.chatgpt.recorder.headCount + env.platform.recorder.headCount, 0,
                       "requests reached the HTTP/1.1 fixtures", file: file, line: line)
    }

    /// A fixture with its own options and a proxyd of its own (one worker) in front of it, for tests that count
    /// connections or streams from zero. Both go away when `body` returns.
    func withDedicatedProxy(_ options: HTTP2Fixture.Options, settings: [String: String] = [:],
                            _ body: (HTTP2Fixture, ProxydProcess) throws -> Void) throws {
        let fixture = try HTTP2Fixture(pki: env.pki, options: options)
        defer { fixture.shutdown() }
        let proxyd = try ProxydProcess(settings: ProxydProcess.baseSettings(pki: env.pki).merging([
            "PROXYD_CHATGPT_URL": fixture.baseURL, "PROXYD_PLATFORM_URL": fixture.baseURL, "PROXYD_WORKERS": "1",
        ]) { $1 }.merging(settings) { $1 })
        try body(fixture, proxyd)
        let log = proxyd.logTail()
        XCTAssertTrue(proxyd.stop(), "the dedicated proxyd died. Log tail:\n\(log)")
    }

    /// Sends every request on its own connection before reading any answer, so all are in flight at once, then
    /// reads the answers in order. An answer that fails is returned as its error.
    func concurrently(port: Int, _ requests: [[UInt8]], timeout: Double = 20) throws -> [Result<RawResponse, Error>] {
        let connections = try requests.map { bytes -> RawHTTPConnection in
            let connection = try RawHTTPConnection(port: port, timeout: timeout)
            try connection.send(bytes)
            return connection
        }
        return connections.map { connection in Result { try connection.readResponse() } }
    }
}

import XCTest

/// PROXYD_ACCESS_LOG=on: one line per answered request, as the original's gin log had, without queries (they
/// may carry keys); off by default.
final class AccessLogTests: XCTestCase {
    func testOneLinePerAnsweredRequestWithoutTheQuery() throws {
        let pki = try TestPKI.shared.get()
        let fixture = try UpstreamFixture.trusted(pki)
        defer { fixture.shutdown() }
        let settings = ProxydProcess.baseSettings(pki: pki).merging([
            "PROXYD_CHATGPT_URL": fixture.baseURL, "PROXYD_PLATFORM_URL": fixture.baseURL, "PROXYD_ACCESS_LOG": "on",
        ]) { $1 }
        let proxyd = try ProxydProcess(settings: settings)
        defer { _ = proxyd.stop() }

        let connection = try RawHTTPConnection(port: proxyd.port, timeout: 10)
        try connection.send(RequestBuilder.build("GET", "/chatgpt/models?secret=sk-query"))
        XCTAssertEqual(try connection.readResponse().status, 200)
        try connection.send(RequestBuilder.build("GET", "/nowhere"))
        XCTAssertEqual(try connection.readResponse().status, 404)
        try connection.send(RequestBuilder.build("POST", "/chatgpt/login", body: Array("{}".utf8)))
        XCTAssertEqual(try connection.readResponse(method: "POST").status, 400)

        // The harness's own readiness probe (/healthz) is logged too; it is not one of these requests.
        let lines = proxyd.log.split(separator: "\n").filter { $0.contains(" access ") && !$0.contains("/healthz") }
        XCTAssertEqual(lines.count, 3, proxyd.logTail())
        let expected = [#""GET /chatgpt/models" 200 "#, #""GET /nowhere" 404 "#, #""POST /chatgpt/login" 400 "#]
        for (line, fragment) in zip(lines, expected) {
            XCTAssertTrue(line.contains("access 127.0.0.1:") && line.contains(fragment) && line.hasSuffix(" ms"), String(line))
        }
        XCTAssertFalse(proxyd.log.contains("sk-query"), "the query reached the log")

        let quiet = try ProxydProcess(settings: settings.merging(["PROXYD_ACCESS_LOG": "off"]) { $1 })
        defer { _ = quiet.stop() }
        let other = try RawHTTPConnection(port: quiet.port, timeout: 10)
        try other.send(RequestBuilder.build("GET", "/chatgpt/models"))
        XCTAssertEqual(try other.readResponse().status, 200)
        XCTAssertFalse(quiet.log.contains(" access "), quiet.logTail())
    }
}

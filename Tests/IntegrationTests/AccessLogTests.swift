import Foundation
import XCTest

/// PROXYD_ACCESS_LOG=on: one line per answered request, as the original's gin log had, without queries (they
/// may carry keys); off by default.
final class AccessLogTests: FixtureTestCase {
    func testOneLinePerAnsweredRequestWithoutTheQuery() throws {
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

    /// PROXYD_LOG_FORMAT=json: every line proxyd writes is one JSON object with time, level and msg, and the
    /// access line carries its fields as members a collector indexes without a parsing rule.
    func testJSONLinesCarryTheAccessFields() throws {
        let proxyd = try startProxyd(["PROXYD_ACCESS_LOG": "on", "PROXYD_LOG_FORMAT": "json"])
        defer { _ = proxyd.stop() }
        let connection = try RawHTTPConnection(port: proxyd.port, timeout: 10)
        try connection.send(RequestBuilder.build("GET", "/chatgpt/models?secret=sk-query"))
        XCTAssertEqual(try connection.readResponse().status, 200)
        _ = proxyd.stop()

        let objects = try proxyd.log.split(separator: "\n").map { line -> [String: Any] in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try XCTUnwrap(object, "not a JSON object: \(line)")
        }
        XCTAssertFalse(objects.isEmpty)
        for object in objects {
            let time = try XCTUnwrap(object["time"] as? String)
            XCTAssertNotNil(try time.wholeMatch(of: Regex(#"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"#)), time)
            XCTAssertNotNil(object["level"] as? String)
            XCTAssertNotNil(object["msg"] as? String)
        }
        let access = objects.filter { ($0["msg"] as? String)?.hasPrefix("access ") == true && $0["path"] as? String != "/healthz" }
        XCTAssertEqual(access.count, 1, proxyd.logTail())
        let line = try XCTUnwrap(access.first)
        XCTAssertEqual(line["method"] as? String, "GET")
        XCTAssertEqual(line["path"] as? String, "/chatgpt/models")
        XCTAssertEqual(line["status"] as? Int, 200)
        XCTAssertNotNil(line["duration_ms"] as? Int)
        XCTAssertTrue((line["client"] as? String)?.hasPrefix("127.0.0.1:") == true)
        XCTAssertFalse(proxyd.log.contains("sk-query"), "the query reached the log")
    }
}

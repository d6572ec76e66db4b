import Foundation
import XCTest

/// With PROXYD_KEYS_FILE, written by the real `proxyd keys add`, every route but /healthz needs a key: 401 with
/// WWW-Authenticate without one, 403 for a route or address the key may not use, 429 with exact Retry-After over
/// its limits, and the key never reaches the upstream or the log.
final class KeyGateTests: FixtureTestCase {
    private var keysFile = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        keysFile = FileManager.default.temporaryDirectory.appendingPathComponent("proxyd-keys-\(UUID().uuidString)").path
        addTeardownBlock { [keysFile] in try? FileManager.default.removeItem(atPath: keysFile) }
    }

    /// A new key in the keys file, as `proxyd keys add` prints it.
    private func addKey(_ name: String, _ options: [String] = []) throws -> String {
        let result = try Command.run(try ProxydProcess.binaryPath(), ["keys", "add", "--file", keysFile, "--name", name] + options)
        XCTAssertEqual(result.status, 0, result.errors)
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func get(_ proxyd: ProxydProcess, _ target: String, headers: [(String, String)]) throws -> RawResponse {
        let connection = try RawHTTPConnection(port: proxyd.port, timeout: 10)
        try connection.send(RequestBuilder.build("GET", target, headers: headers))
        return try connection.readResponse()
    }

    private let token = ("Authorization", "Bearer user-own-token")

    func testAKeyIsNeededCheckedAndNeverForwarded() throws {
        let alice = try addKey("alice")
        let platformOnly = try addKey("bob", ["--routes", "platform"])
        let elsewhere = try addKey("carol", ["--cidr", "10.0.0.0/8"])
        let proxyd = try startProxyd(["PROXYD_KEYS_FILE": keysFile, "PROXYD_WORKERS": "1"])
        defer { _ = proxyd.stop() }

        let missing = try get(proxyd, "/platform/v1/models", headers: [token])
        XCTAssertEqual(missing.status, 401)
        XCTAssertEqual(missing.header("WWW-Authenticate"), #"Bearer realm="proxyd""#)
        XCTAssertEqual(try get(proxyd, "/healthz", headers: []).status, 200, "health checks need no key")

        var forged = Array(alice)
        forged[10] = forged[10] == "A" ? "B" : "A"
        XCTAssertEqual(try get(proxyd, "/platform/v1/models", headers: [token, ("X-Proxyd-Key", String(forged))]).status, 401)

        let answer = try get(proxyd, "/platform/v1/models", headers: [token, ("X-Proxyd-Key", alice)])
        XCTAssertEqual(answer.status, 200, answer.bodyText)
        let upstream = try XCTUnwrap(fixture.recorder.requests.last)
        XCTAssertNil(upstream.header("x-proxyd-key"), "the key went upstream")
        XCTAssertEqual(upstream.header("authorization"), "Bearer user-own-token", "the user's own token must go on")

        XCTAssertEqual(try get(proxyd, "/chatgpt/backend-api/models", headers: [token, ("X-Proxyd-Key", platformOnly)]).status, 403)
        XCTAssertEqual(try get(proxyd, "/platform/v1/models", headers: [token, ("X-Proxyd-Key", platformOnly)]).status, 200)
        XCTAssertEqual(try get(proxyd, "/platform/v1/models", headers: [token, ("X-Proxyd-Key", elsewhere)]).status, 403,
                       "a key limited to 10.0.0.0/8 was taken from 127.0.0.1")

        for key in [alice, platformOnly, elsewhere] {
            XCTAssertFalse(proxyd.log.contains(key), "a key reached the log")
        }
    }

    /// An OpenAI SDK sets only Authorization: on /imitate/v1 the key may be the bearer token, and the user's own
    /// ChatGPT token comes in X-ChatGPT-Token.
    func testTheKeyAsBearerOnImitateWithTheUsersTokenBeside() throws {
        let key = try addKey("sdk")
        let proxyd = try startProxyd(["PROXYD_KEYS_FILE": keysFile])
        defer { _ = proxyd.stop() }
        let answer = try get(proxyd, "/imitate/v1/models",
                             headers: [("Authorization", "Bearer \(key)"), ("X-ChatGPT-Token", "user-own-token")])
        // The fixture is no ChatGPT (its answer is no models list, so 502): what matters is what reached it.
        XCTAssertEqual(answer.status, 502, answer.bodyText)
        let upstream = try XCTUnwrap(fixture.recorder.requests.last)
        XCTAssertEqual(upstream.header("authorization"), "Bearer user-own-token")
        XCTAssertNil(upstream.header("x-chatgpt-token"))
        XCTAssertFalse(upstream.headers.contains { $0.value.contains(key) }, "the key went upstream")
        let withoutToken = try get(proxyd, "/imitate/v1/models", headers: [("Authorization", "Bearer \(key)")])
        XCTAssertEqual(withoutToken.status, 401, "without the user's token the key alone must not pass as one")
        XCTAssertFalse(proxyd.log.contains(key), "a key reached the log")
    }

    func testOverItsRateAKeyGets429WithAnExactWait() throws {
        let key = try addKey("slow", ["--rpm", "1", "--concurrency", "3"])
        let proxyd = try startProxyd(["PROXYD_KEYS_FILE": keysFile, "PROXYD_WORKERS": "2"])
        defer { _ = proxyd.stop() }
        let admitted = try get(proxyd, "/platform/v1/models", headers: [token, ("X-Proxyd-Key", key)])
        XCTAssertEqual(admitted.status, 200)
        // What the key has left comes with the response head, beside the upstream's own fields.
        XCTAssertEqual(admitted.header("x-proxyd-ratelimit-limit-requests"), "1")
        XCTAssertEqual(admitted.header("x-proxyd-ratelimit-remaining-requests"), "0")
        XCTAssertEqual(admitted.header("x-proxyd-ratelimit-limit-streams"), "3")
        XCTAssertEqual(admitted.header("x-proxyd-ratelimit-remaining-streams"), "2")
        let refused = try get(proxyd, "/platform/v1/models", headers: [token, ("X-Proxyd-Key", key)])
        XCTAssertEqual(refused.status, 429)
        let seconds = try XCTUnwrap(refused.header("Retry-After").flatMap { Int($0) })
        let milliseconds = try XCTUnwrap(refused.header("retry-after-ms").flatMap { Int($0) })
        XCTAssertTrue((55...60).contains(seconds), "Retry-After \(seconds)")
        XCTAssertEqual(seconds, (milliseconds + 999) / 1000)
        XCTAssertEqual(refused.header("x-proxyd-ratelimit-limit-requests"), "1")

        let shadow = try startProxyd(["PROXYD_KEYS_FILE": keysFile, "PROXYD_LIMITS": "shadow", "PROXYD_LOG_LEVEL": "info"])
        defer { _ = shadow.stop() }
        for _ in 0..<2 {
            XCTAssertEqual(try get(shadow, "/platform/v1/models", headers: [token, ("X-Proxyd-Key", key)]).status, 200)
        }
        XCTAssertTrue(shadow.log.contains("limits (shadow): key slow would be refused"), shadow.logTail())
    }

    /// A scanner trying keys from one address gets 401 for its first 21 failures (10 a minute, a burst of 20),
    /// then 429 before any key it sends is read.
    func testAScannerIsLimited() throws {
        let key = try addKey("good")
        let proxyd = try startProxyd(["PROXYD_KEYS_FILE": keysFile, "PROXYD_WORKERS": "1"])
        defer { _ = proxyd.stop() }
        XCTAssertEqual(try get(proxyd, "/platform/v1/models", headers: [token, ("X-Proxyd-Key", key)]).status, 200)
        var statuses: [Int] = []
        for _ in 0..<30 {
            statuses.append(try get(proxyd, "/platform/v1/models", headers: [token, ("X-Proxyd-Key", "pxd_wrong")]).status)
        }
        XCTAssertEqual(statuses.prefix(21).filter { $0 == 401 }.count, 21, "\(statuses)")
        XCTAssertEqual(statuses.suffix(9), Array(repeating: 429, count: 9), "\(statuses)")
    }
}

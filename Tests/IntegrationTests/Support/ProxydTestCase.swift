import Dispatch
import Foundation
import XCTest

/// One proxyd plus its two HTTPS upstreams (ChatGPT side and platform side, so a test can tell which base URL
/// a route used), shared by the tests of one XCTestCase class. Tests within a class run one after another.
final class ProxyEnvironment {
    let pki: TestPKI
    let chatgpt: UpstreamFixture
    let platform: UpstreamFixture
    let proxyd: ProxydProcess

    init(extraSettings: [String: String]) throws {
        pki = try TestPKI.shared.get()
        chatgpt = try UpstreamFixture.trusted(pki)
        platform = try UpstreamFixture.trusted(pki)
        do {
            let settings = ProxydProcess.baseSettings(pki: pki)
                .merging(["PROXYD_CHATGPT_URL": chatgpt.baseURL, "PROXYD_PLATFORM_URL": platform.baseURL]) { $1 }
                .merging(extraSettings) { $1 }
            proxyd = try ProxydProcess(settings: settings)
        } catch {
            chatgpt.shutdown()
            platform.shutdown()
            throw error
        }
    }

    func stop() {
        _ = proxyd.stop()
        chatgpt.shutdown()
        platform.shutdown()
    }
}

class ProxydTestCase: XCTestCase {
    /// Settings a subclass needs on top of the shared ones (limits, unreachable upstreams).
    class func extraSettings() throws -> [String: String] { [:] }

    private static var environments: [ObjectIdentifier: Result<ProxyEnvironment, Error>] = [:]

    override class func setUp() {
        super.setUp()
        environments[ObjectIdentifier(self)] = Result { try ProxyEnvironment(extraSettings: try extraSettings()) }
    }

    override class func tearDown() {
        if case .success(let environment)? = environments.removeValue(forKey: ObjectIdentifier(self)) {
            environment.stop()
        }
        super.tearDown()
    }

    private var current: ProxyEnvironment?

    var env: ProxyEnvironment {
        guard let current else { fatalError("setUpWithError did not run") }
        return current
    }

    var port: Int { env.proxyd.port }

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard let result = Self.environments[ObjectIdentifier(type(of: self))] else {
            throw TestSetupError("class setUp did not run for \(type(of: self))")
        }
        current = try result.get()
    }

    /// Every test doubles as a crash check: proxyd must still be up after whatever the test threw at it.
    override func tearDown() {
        if let current {
            XCTAssertTrue(current.proxyd.isRunning, "proxyd is no longer running. Log tail:\n\(current.proxyd.logTail())")
        }
        super.tearDown()
    }

    // MARK: helpers

    func connect(timeout: Double = 10) throws -> RawHTTPConnection {
        try RawHTTPConnection(port: port, timeout: timeout)
    }

    /// One request on a fresh connection.
    func request(_ method: String, _ target: String,
                 headers: [(String, String)] = [RequestBuilder.defaultAuthorization], body: [UInt8]? = nil,
                 timeout: Double = 10) throws -> RawResponse {
        try exchange(RequestBuilder.build(method, target, headers: headers, body: body), method: method, timeout: timeout)
    }

    func exchange(_ bytes: [UInt8], method: String = "GET", timeout: Double = 10) throws -> RawResponse {
        let connection = try connect(timeout: timeout)
        try connection.send(bytes)
        return try connection.readResponse(method: method)
    }

    func assertStillServing(file: StaticString = #filePath, line: UInt = #line) {
        do {
            let response = try request("GET", "/healthz", headers: [])
            XCTAssertEqual(response.status, 200, "GET /healthz on a new connection", file: file, line: line)
            XCTAssertEqual(jsonObject(response)?["status"] as? String, "ok", file: file, line: line)
        } catch {
            XCTFail("proxyd stopped serving: \(error). Log tail:\n\(env.proxyd.logTail())", file: file, line: line)
        }
    }

    func jsonObject(_ response: RawResponse) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
    }

    /// proxyd's own errors: the status, a JSON content type, and an `errorMessage` naming the failing stage.
    func assertProxydError(_ response: RawResponse, status: Int, messageContains fragments: [String] = [],
                           file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.status, status, "body: \(response.bodyText)", file: file, line: line)
        XCTAssertTrue(response.header("content-type")?.lowercased().hasPrefix("application/json") == true,
                      "content-type \(response.header("content-type") ?? "none")", file: file, line: line)
        guard let message = jsonObject(response)?["errorMessage"] as? String, !message.isEmpty else {
            XCTFail("no errorMessage in \(response.bodyText.debugDescription)", file: file, line: line)
            return
        }
        for fragment in fragments {
            XCTAssertTrue(message.lowercased().contains(fragment.lowercased()),
                          "errorMessage \(message.debugDescription) should mention \(fragment.debugDescription)",
                          file: file, line: line)
        }
    }

    /// The upstream request behind a relayed echo answer, found by the id the fixture put in its body.
    func upstreamRequest(behind response: RawResponse, on fixture: RecordingUpstream,
                         file: StaticString = #filePath, line: UInt = #line) -> RecordedRequest? {
        guard let id = jsonObject(response)?["requestId"] as? Int else {
            XCTFail("not a fixture echo (status \(response.status)): \(response.bodyText.prefix(300))", file: file, line: line)
            return nil
        }
        let found = fixture.recorder.request(id: id)
        XCTAssertNotNil(found, "echo \(id) came from the other upstream", file: file, line: line)
        return found
    }

    static func monotonicSeconds(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1e9 }
}

import XCTest

/// The route suite of RoutingTests once more through each dialer, against real proxies: each subclass starts
/// its proxy before proxyd and points PROXYD_UPSTREAM_PROXY at it.
final class RoutingThroughSOCKS5Tests: RoutingTests {
    override class func extraSettings() throws -> [String: String] {
        let daemon = try ProxyDaemons.start(for: self, .microsocks(username: "u", password: "p w"))
        return ["PROXYD_UPSTREAM_PROXY": "socks5://u:p%20w@127.0.0.1:\(daemon.port)"]
    }

    func testTheRequestsWentThroughMicrosocksAndThePasswordIsNeverLogged() throws {
        let daemon = try XCTUnwrap(ProxyDaemons.running(for: Self.self))
        try assertRequestWentThrough("socks5 proxy 127.0.0.1:\(daemon.port)", secrets: ["p w", "p%20w"])
    }

    override class func tearDown() {
        super.tearDown()
        ProxyDaemons.stop(for: self)
    }
}

final class RoutingThroughSOCKS5hTests: RoutingTests {
    override class func extraSettings() throws -> [String: String] {
        let daemon = try ProxyDaemons.start(for: self, .microsocks())
        return ["PROXYD_UPSTREAM_PROXY": "socks5h://127.0.0.1:\(daemon.port)"]
    }

    func testTheRequestsWentThroughMicrosocks() throws {
        let daemon = try XCTUnwrap(ProxyDaemons.running(for: Self.self))
        try assertRequestWentThrough("socks5h proxy 127.0.0.1:\(daemon.port)", secrets: [])
    }

    override class func tearDown() {
        super.tearDown()
        ProxyDaemons.stop(for: self)
    }
}

final class RoutingThroughHTTPConnectTests: RoutingTests {
    override class func extraSettings() throws -> [String: String] {
        // No ConnectPort lines: tinyproxy then allows CONNECT to any port, the fixtures' included.
        let daemon = try ProxyDaemons.start(for: self, .tinyproxy(username: "user", password: "pass", connectPorts: []))
        return ["PROXYD_UPSTREAM_PROXY": "http://user:pass@127.0.0.1:\(daemon.port)"]
    }

    override class func tearDown() {
        super.tearDown()
        ProxyDaemons.stop(for: self)
    }

    /// tinyproxy logs each CONNECT: the suite's requests went through it, not around it.
    func testTheRequestsWentThroughTinyproxy() throws {
        let daemon = try XCTUnwrap(ProxyDaemons.running(for: Self.self))
        try assertRequestWentThrough("http proxy 127.0.0.1:\(daemon.port)", secrets: ["user:pass"])
        XCTAssertTrue(daemon.log.contains("CONNECT localhost:\(env.chatgpt.port) HTTP/1.1"), String(daemon.log.suffix(2000)))
    }
}

extension RoutingTests {
    /// A request on a new upstream connection reaches the fixture, and proxyd's debug log says it went through
    /// the proxy, named with its password masked. (Each subclass needs a test of its own: XCTest on Linux does
    /// not run a subclass that only inherits its tests.)
    func assertRequestWentThrough(_ proxyLabel: String, secrets: [String],
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        let response = try request("GET", "/platform/v1/models")
        XCTAssertEqual(response.status, 200, response.bodyText, file: file, line: line)
        let log = env.proxyd.log
        XCTAssertTrue(log.contains("upstream localhost:\(env.platform.port) connected through \(proxyLabel)"),
                      String(log.suffix(2000)), file: file, line: line)
        for secret in secrets { XCTAssertFalse(log.contains(secret), "the log shows a password", file: file, line: line) }
    }
}

/// The proxies of the test classes above, one per class, alive from class setUp to class tearDown.
enum ProxyDaemons {
    private static var daemons: [ObjectIdentifier: ProxyDaemon] = [:]

    static func start(for testClass: AnyClass, _ kind: ProxyDaemon.Kind) throws -> ProxyDaemon {
        let daemon = try ProxyDaemon(kind)
        daemons[ObjectIdentifier(testClass)] = daemon
        return daemon
    }

    static func running(for testClass: AnyClass) -> ProxyDaemon? { daemons[ObjectIdentifier(testClass)] }

    static func stop(for testClass: AnyClass) {
        daemons.removeValue(forKey: ObjectIdentifier(testClass))?.stop()
    }
}

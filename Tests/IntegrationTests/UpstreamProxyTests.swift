import Dispatch
import Foundation
import XCTest

/// The proxy dialers against real daemons: credentials, failover, where names are resolved, and the stage
/// timeouts. Each test starts its own proxyd with the proxies it needs, beside the shared fixtures.
final class UpstreamProxyTests: ProxydTestCase {
    private func proxyd(_ settings: [String: String]) throws -> ProxydProcess {
        try ProxydProcess(settings: ProxydProcess.baseSettings(pki: env.pki).merging([
            "PROXYD_CHATGPT_URL": env.chatgpt.baseURL, "PROXYD_PLATFORM_URL": env.platform.baseURL,
        ]) { $1 }.merging(settings) { $1 })
    }

    private func get(_ target: String, from proxyd: ProxydProcess, timeout: Double = 10) throws -> RawResponse {
        let connection = try RawHTTPConnection(port: proxyd.port, timeout: timeout)
        try connection.send(RequestBuilder.build("GET", target))
        return try connection.readResponse()
    }


    // MARK: SOCKS5

    func testSOCKS5WithUsernameAndPassword() throws {
        let socks = try ProxyDaemon(.microsocks(username: "alice", password: "s3cret"))
        let proxyd = try proxyd(["PROXYD_UPSTREAM_PROXY": "socks5://alice:s3cret@127.0.0.1:\(socks.port)"])
        let response = try get("/chatgpt/backend-api/socks/ok", from: proxyd)
        XCTAssertEqual(response.status, 200, "\(response.bodyText)\n\(proxyd.logTail())")
        XCTAssertNotNil(env.chatgpt.recorder.waitForRequest { $0.path == "/backend-api/socks/ok" })
    }

    func testSOCKS5WrongPasswordIs502NamingTheProxyWithoutItsCredentials() throws {
        let socks = try ProxyDaemon(.microsocks(username: "alice", password: "s3cret"))
        let proxyd = try proxyd(["PROXYD_UPSTREAM_PROXY": "socks5://alice:wrong-pw@127.0.0.1:\(socks.port)"])
        let response = try get("/chatgpt/models", from: proxyd)
        assertProxydError(response, status: 502, messageContains: [
            "socks5 proxy 127.0.0.1:\(socks.port)", "rejected the username/password",
        ])
        XCTAssertFalse(response.errorMessage.contains("wrong-pw"))
        XCTAssertFalse(response.errorMessage.contains("alice"), "the client saw the proxy's user name")
        XCTAssertFalse(proxyd.log.contains("wrong-pw"), "the password reached the log")
    }

    func testADownProxyFailsOverToTheNextOne() throws {
        let deadPort = try LoopbackSocket.unusedPort()
        let socks = try ProxyDaemon(.microsocks())
        let proxyd = try proxyd([
            "PROXYD_UPSTREAM_PROXY": "socks5://127.0.0.1:\(deadPort),socks5://127.0.0.1:\(socks.port)",
            "PROXYD_WORKERS": "1",
        ])
        for index in 0..<4 {
            let response = try get("/chatgpt/backend-api/failover/\(index)", from: proxyd)
            XCTAssertEqual(response.status, 200, "request \(index): \(response.bodyText)\n\(proxyd.logTail())")
        }
        XCTAssertTrue(proxyd.log.contains("upstream proxy socks5://127.0.0.1:\(deadPort) is down"), proxyd.logTail())
    }

    /// A proxy that accepts TCP but refuses our credentials passes the probe every time; its backoff must still
    /// grow with each real failure instead of starting over at 1 s.
    func testAProxyThatPassesProbesButFailsRequestsBacksOffLonger() throws {
        let refusing = try ProxyDaemon(.microsocks(username: "alice", password: "s3cret"))
        let good = try ProxyDaemon(.microsocks())
        let proxyd = try proxyd([
            "PROXYD_UPSTREAM_PROXY": "socks5://alice:wrong@127.0.0.1:\(refusing.port),socks5://127.0.0.1:\(good.port)",
            "PROXYD_WORKERS": "1",
        ])
        let grown = "upstream proxy socks5://alice:***@127.0.0.1:\(refusing.port) is down for 2 s"
        let deadline = Date().addingTimeInterval(8)
        var index = 0
        while !proxyd.log.contains(grown) && Date() < deadline {
            XCTAssertEqual(try get("/chatgpt/backend-api/flap/\(index)", from: proxyd).status, 200, proxyd.logTail())
            index += 1
            usleep(300_000)
        }
        XCTAssertTrue(proxyd.log.contains(grown), "the backoff did not grow: \(proxyd.logTail())")
    }

    func testADownProxyComesBackAfterASuccessfulProbe() throws {
        let comebackPort = try LoopbackSocket.unusedPort()
        let socks = try ProxyDaemon(.microsocks())
        let proxyd = try proxyd([
            "PROXYD_UPSTREAM_PROXY": "socks5://127.0.0.1:\(comebackPort),socks5://127.0.0.1:\(socks.port)",
            "PROXYD_WORKERS": "1",
        ])
        XCTAssertEqual(try get("/chatgpt/models", from: proxyd).status, 200)
        XCTAssertTrue(proxyd.log.contains("upstream proxy socks5://127.0.0.1:\(comebackPort) is down for 1 s"), proxyd.logTail())
        // The metrics name proxies by index (their URLs may carry credentials).
        let down = try MetricsScrape.fetch(adminPort: try XCTUnwrap(proxyd.adminPort))
        XCTAssertEqual(down.value("proxyd_upstream_proxy_down", ["proxy": "0"]), 1)
        XCTAssertEqual(down.value("proxyd_upstream_proxy_marked_down_total", ["proxy": "0"]), 1)
        XCTAssertEqual(down.value("proxyd_upstream_proxy_down", ["proxy": "1"]), 0)
        XCTAssertEqual(down.value("proxyd_upstream_connect_stage_seconds_count", ["stage": "proxy"]), 1,
                       "the one connection set up went through the SOCKS5 handshake")
        let revived = try ProxyDaemon(.microsocks(), port: comebackPort)
        let deadline = Date().addingTimeInterval(5)
        while !proxyd.log.contains("upstream proxy socks5://127.0.0.1:\(comebackPort) is back") && Date() < deadline {
            usleep(100_000)
        }
        XCTAssertTrue(proxyd.log.contains("is back"), "no successful probe within 5 s: \(proxyd.logTail())")
        let back = try MetricsScrape.fetch(adminPort: try XCTUnwrap(proxyd.adminPort))
        XCTAssertEqual(back.value("proxyd_upstream_proxy_down", ["proxy": "0"]), 0)
        // Round robin sends the next requests to both again; the revived one gets its own connection.
        for index in 0..<4 {
            XCTAssertEqual(try get("/chatgpt/backend-api/comeback/\(index)", from: proxyd).status, 200, proxyd.logTail())
        }
        XCTAssertTrue(proxyd.log.contains("connected through socks5 proxy 127.0.0.1:\(comebackPort)"), proxyd.logTail())
        withExtendedLifetime(revived) {}
    }

    /// A working proxy that reports the destination refused is not marked down: another proxy would not help.
    func testADestinationRefusedBehindTheProxyIs502WithTheReplyAndTheProxyStaysUp() throws {
        let socks = try ProxyDaemon(.microsocks(username: "u", password: "pw"))
        let deadPort = try LoopbackSocket.unusedPort()
        let proxyd = try proxyd([
            "PROXYD_UPSTREAM_PROXY": "socks5://u:pw@127.0.0.1:\(socks.port)",
            "PROXYD_CHATGPT_URL": "https://localhost:\(deadPort)", "PROXYD_RESOLVE": "localhost:\(deadPort):127.0.0.1",
        ])
        let response = try get("/chatgpt/models", from: proxyd)
        XCTAssertEqual(response.errorMessage,
                       "socks5 proxy 127.0.0.1:\(socks.port) refused the connection to localhost:\(deadPort): "
                       + "connection refused by destination host (reply 5)")
        XCTAssertEqual(response.status, 502)
        XCTAssertFalse(proxyd.log.contains("is down"), proxyd.logTail())
    }

    /// Which proxy carried the first connection to a fixture, from proxyd's debug log.
    private func proxyPort(carrying fixture: UpstreamFixture, in proxyd: ProxydProcess) -> String? {
        let marker = "upstream localhost:\(fixture.port) connected through socks5 proxy 127.0.0.1:"
        guard let range = proxyd.log.range(of: marker) else { return nil }
        return String(proxyd.log[range.upperBound...].prefix { $0.isNumber })
    }

    /// The chatgpt and platform fixtures each need a connection of their own, so the proxy each one goes
    /// through shows the policy: one token keeps one proxy under sticky, and alternates under round-robin.
    func testStickyKeepsATokenOnOneProxyAndRoundRobinAlternates() throws {
        let first = try ProxyDaemon(.microsocks())
        let second = try ProxyDaemon(.microsocks())
        let proxies = "socks5://127.0.0.1:\(first.port),socks5://127.0.0.1:\(second.port)"
        for policy in ["sticky", "round-robin"] {
            let proxyd = try proxyd(["PROXYD_UPSTREAM_PROXY": proxies, "PROXYD_PROXY_POLICY": policy, "PROXYD_WORKERS": "1"])
            for target in ["/chatgpt/models", "/platform/v1/models"] {
                let connection = try RawHTTPConnection(port: proxyd.port, timeout: 10)
                try connection.send(RequestBuilder.build("GET", target, headers: [("Authorization", "Bearer user-7")]))
                XCTAssertEqual(try connection.readResponse().status, 200, "\(policy) \(target)")
            }
            let chatgptProxy = try XCTUnwrap(proxyPort(carrying: env.chatgpt, in: proxyd), proxyd.logTail())
            let platformProxy = try XCTUnwrap(proxyPort(carrying: env.platform, in: proxyd), proxyd.logTail())
            if policy == "sticky" {
                XCTAssertEqual(chatgptProxy, platformProxy, "one token, one egress")
            } else {
                XCTAssertNotEqual(chatgptProxy, platformProxy, "round robin takes the next proxy")
            }
        }
    }

    func testEveryProxyDownIs502NamingTheLastOne() throws {
        let deadPort = try LoopbackSocket.unusedPort()
        let proxyd = try proxyd(["PROXYD_UPSTREAM_PROXY": "socks5h://127.0.0.1:\(deadPort)"])
        assertProxydError(try get("/chatgpt/models", from: proxyd), status: 502,
                          messageContains: ["socks5h proxy 127.0.0.1:\(deadPort) is unreachable", "refused"])
        // Still down: the request tries it anyway and reports the real error, not a bookkeeping one.
        assertProxydError(try get("/chatgpt/models", from: proxyd), status: 502, messageContains: ["is unreachable"])
    }

    /// A name only proxyd knows (PROXYD_RESOLVE) works with socks5, which sends the address, and fails with
    /// socks5h, which sends the name for microsocks to resolve; "localhost", which microsocks resolves
    /// itself, works with socks5h.
    func testSOCKS5SendsAnAddressAndSOCKS5hSendsTheName() throws {
        let socks = try ProxyDaemon(.microsocks())
        let authority = "\(TestPKI.madeUpHostName):\(env.chatgpt.port)"
        var settings = ["PROXYD_CHATGPT_URL": "https://\(authority)", "PROXYD_RESOLVE": "\(authority):127.0.0.1"]

        settings["PROXYD_UPSTREAM_PROXY"] = "socks5://127.0.0.1:\(socks.port)"
        let local = try proxyd(settings)
        XCTAssertEqual(try get("/chatgpt/models", from: local).status, 200, local.logTail())

        settings["PROXYD_UPSTREAM_PROXY"] = "socks5h://127.0.0.1:\(socks.port)"
        let remote = try proxyd(settings)
        assertProxydError(try get("/chatgpt/models", from: remote), status: 502, messageContains: [
            "socks5h proxy 127.0.0.1:\(socks.port) refused the connection to \(authority)", "(reply ",
        ])

        let localhost = try proxyd(["PROXYD_UPSTREAM_PROXY": "socks5h://127.0.0.1:\(socks.port)"])
        XCTAssertEqual(try get("/chatgpt/models", from: localhost).status, 200, localhost.logTail())
    }

    // MARK: HTTP CONNECT

    func testHTTPConnectWithBasicAuth() throws {
        let tiny = try ProxyDaemon(.tinyproxy(username: "bob", password: "hunter2", connectPorts: [env.chatgpt.port]))
        let proxyd = try proxyd(["PROXYD_UPSTREAM_PROXY": "http://bob:hunter2@127.0.0.1:\(tiny.port)"])
        let response = try get("/chatgpt/backend-api/connect/ok", from: proxyd)
        XCTAssertEqual(response.status, 200, "\(response.bodyText)\n\(proxyd.logTail())")
        XCTAssertTrue(tiny.log.contains("CONNECT localhost:\(env.chatgpt.port) HTTP/1.1"))
    }

    func testHTTPConnectWrongPasswordIs502NamingTheProxy() throws {
        let tiny = try ProxyDaemon(.tinyproxy(username: "bob", password: "hunter2", connectPorts: [env.chatgpt.port]))
        let proxyd = try proxyd(["PROXYD_UPSTREAM_PROXY": "http://bob:nope@127.0.0.1:\(tiny.port)"])
        let response = try get("/chatgpt/models", from: proxyd)
        assertProxydError(response, status: 502, messageContains: [
            "http proxy 127.0.0.1:\(tiny.port) rejected the username/password",
        ])
        XCTAssertFalse(proxyd.log.contains("nope"), "the password reached the log")
    }

    func testHTTPConnectToAPortTheProxyForbidsIs502WithItsStatus() throws {
        let tiny = try ProxyDaemon(.tinyproxy(username: "bob", password: "hunter2", connectPorts: [443]))
        let proxyd = try proxyd(["PROXYD_UPSTREAM_PROXY": "http://bob:hunter2@127.0.0.1:\(tiny.port)"])
        assertProxydError(try get("/chatgpt/models", from: proxyd), status: 502, messageContains: [
            "refused the connection to localhost:\(env.chatgpt.port): 403",
        ])
    }

    func testHTTPConnectProxyDownIs502() throws {
        let deadPort = try LoopbackSocket.unusedPort()
        let proxyd = try proxyd(["PROXYD_UPSTREAM_PROXY": "http://bob:hunter2@127.0.0.1:\(deadPort)"])
        assertProxydError(try get("/chatgpt/models", from: proxyd), status: 502, messageContains: [
            "http proxy 127.0.0.1:\(deadPort) is unreachable",
        ])
    }

    // MARK: stage timeouts

    func testAProxyThatNeverAnswersIs504NamingTheProxyHandshake() throws {
        let silent = try SilentListener()
        let proxyd = try proxyd(["PROXYD_UPSTREAM_PROXY": "socks5://127.0.0.1:\(silent.port)", "PROXYD_PROXY_TIMEOUT": "1"])
        let started = DispatchTime.now().uptimeNanoseconds
        let response = try get("/chatgpt/models", from: proxyd)
        let elapsed = Self.monotonicSeconds(DispatchTime.now().uptimeNanoseconds - started)
        assertProxydError(response, status: 504, messageContains: [
            "socks5 proxy 127.0.0.1:\(silent.port)", "proxy handshake", "PROXYD_PROXY_TIMEOUT",
        ])
        XCTAssertGreaterThanOrEqual(elapsed, 0.8)
        XCTAssertLessThan(elapsed, 4)
    }

    func testATLSHandshakeThatNeverCompletesIs504NamingTLS() throws {
        let silent = try SilentListener()
        let proxyd = try proxyd(["PROXYD_CHATGPT_URL": "https://localhost:\(silent.port)", "PROXYD_TLS_TIMEOUT": "1"])
        let response = try get("/chatgpt/models", from: proxyd)
        assertProxydError(response, status: 504, messageContains: ["TLS handshake", "PROXYD_TLS_TIMEOUT"])
    }
}

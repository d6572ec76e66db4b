import Glibc
import ProxyCore
import XCTest

final class ConfigurationTests: XCTestCase {
    func testDefaults() throws {
        let config = try Configuration.load([:])
        XCTAssertEqual(config.listenHost, "0.0.0.0")
        XCTAssertEqual(config.listenPort, 8080)
        XCTAssertEqual(config.upstreamProxies, [])
        XCTAssertEqual(config.chatgpt, UpstreamOrigin(secure: true, host: "chatgpt.com", port: 443))
        XCTAssertEqual(config.platform, UpstreamOrigin(secure: true, host: "api.openai.com", port: 443))
        XCTAssertEqual(config.auth, UpstreamOrigin(secure: true, host: "auth0.openai.com", port: 443))
        XCTAssertEqual(config.platformWeb, UpstreamOrigin(secure: true, host: "platform.openai.com", port: 443))
        XCTAssertEqual(config.tlsProfile, .chrome)
        XCTAssertNil(config.caFile)
        XCTAssertEqual(config.resolve, [])
        XCTAssertEqual(config.dnsServers, [])
        XCTAssertEqual(config.workers, min(max(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 1), 256))
        XCTAssertEqual(config.maxBodyBytes, 536_870_912)
        XCTAssertEqual(config.headerTimeoutMs, 10_000)
        XCTAssertEqual(config.idleTimeoutMs, 75_000)
        XCTAssertEqual(config.connectTimeoutMs, 10_000)
        XCTAssertEqual(config.upstreamTimeoutMs, 120_000)
        XCTAssertEqual(config.proxyTimeoutMs, 10_000)
        XCTAssertEqual(config.tlsTimeoutMs, 10_000)
        XCTAssertEqual(config.proxyPolicy, .roundRobin)
        XCTAssertEqual(config.logLevel, .info)
        XCTAssertEqual(config.limitsMode, .enforce)
    }

    func testEverySettingParsed() throws {
        let caFile = try temporaryFile("-----BEGIN CERTIFICATE-----\n")
        let config = try Configuration.load([
            "PROXYD_LISTEN": "[::1]:9000",
            "PROXYD_UPSTREAM_PROXY": "http://u:p%40ss@10.0.0.1:3128, socks5h://[::1]:1080",
            "PROXYD_CHATGPT_URL": "http://127.0.0.1:8081/legacy",
            "PROXYD_PLATFORM_URL": "https://localhost:8443",
            "PROXYD_AUTH_URL": "https://auth.test",
            "PROXYD_PLATFORM_WEB_URL": "https://web.test:444",
            "PROXYD_TLS_PROFILE": "Firefox",
            "PROXYD_CA_FILE": caFile,
            "PROXYD_RESOLVE": "chatgpt.com:443:127.0.0.1",
            "PROXYD_DNS_SERVERS": "127.0.0.1:5353",
            "PROXYD_WORKERS": "3",
            "PROXYD_MAX_BODY_BYTES": "1024",
            "PROXYD_HEADER_TIMEOUT": "2.5",
            "PROXYD_IDLE_TIMEOUT": "0.25",
            "PROXYD_CONNECT_TIMEOUT": "3",
            "PROXYD_UPSTREAM_TIMEOUT": "86400",
            "PROXYD_PROXY_TIMEOUT": "4",
            "PROXYD_TLS_TIMEOUT": "0.75",
            "PROXYD_PROXY_POLICY": "Sticky",
            "PROXYD_LOG_LEVEL": "debug",
            "PROXYD_LIMITS": "Shadow",
        ])
        XCTAssertEqual(config.listenHost, "::1")
        XCTAssertEqual(config.listenPort, 9000)
        XCTAssertEqual(config.upstreamProxies, [
            UpstreamProxy(scheme: .http, host: "10.0.0.1", port: 3128, username: "u", password: "p@ss"),
            UpstreamProxy(scheme: .socks5h, host: "::1", port: 1080),
        ])
        XCTAssertEqual(config.chatgpt, UpstreamOrigin(secure: false, host: "127.0.0.1", port: 8081, basePath: "/legacy"))
        XCTAssertEqual(config.platform, UpstreamOrigin(secure: true, host: "localhost", port: 8443))
        XCTAssertEqual(config.auth, UpstreamOrigin(secure: true, host: "auth.test", port: 443))
        XCTAssertEqual(config.platformWeb, UpstreamOrigin(secure: true, host: "web.test", port: 444))
        XCTAssertEqual(config.tlsProfile, .firefox)
        XCTAssertEqual(config.caFile, caFile)
        XCTAssertEqual(config.resolve, [ResolveOverride(host: "chatgpt.com", port: 443, address: "127.0.0.1")])
        XCTAssertEqual(config.dnsServers, [DNSServer(address: "127.0.0.1", port: 5353)])
        XCTAssertEqual(config.workers, 3)
        XCTAssertEqual(config.maxBodyBytes, 1024)
        XCTAssertEqual(config.headerTimeoutMs, 2500)
        XCTAssertEqual(config.idleTimeoutMs, 250)
        XCTAssertEqual(config.connectTimeoutMs, 3000)
        XCTAssertEqual(config.upstreamTimeoutMs, 86_400_000)
        XCTAssertEqual(config.proxyTimeoutMs, 4000)
        XCTAssertEqual(config.tlsTimeoutMs, 750)
        XCTAssertEqual(config.proxyPolicy, .sticky)
        XCTAssertEqual(config.logLevel, .debug)
        XCTAssertEqual(config.limitsMode, .shadow)
    }

    /// The admin listener is on loopback unless said otherwise, even for a bare port, and `off` turns it off.
    func testAdminListenForms() throws {
        func admin(_ values: [String: String]) throws -> String? {
            try Configuration.load(values).adminListen.map { "\($0.host):\($0.port)" }
        }
        XCTAssertEqual(try admin([:]), "127.0.0.1:9180")
        XCTAssertEqual(try admin(["PROXYD_ADMIN_LISTEN": ":9181"]), "127.0.0.1:9181")
        XCTAssertEqual(try admin(["PROXYD_ADMIN_LISTEN": "[::1]:9182"]), "::1:9182")
        XCTAssertEqual(try admin(["PROXYD_ADMIN_LISTEN": "0.0.0.0:9183"]), "0.0.0.0:9183")
        XCTAssertNil(try admin(["PROXYD_ADMIN_LISTEN": "OFF"]))
    }

    func testListenForms() throws {
        XCTAssertEqual(try listen(["PROXYD_LISTEN": "127.0.0.1:1"]), "127.0.0.1:1")
        XCTAssertEqual(try listen(["PROXYD_LISTEN": ":8081"]), "0.0.0.0:8081")
        XCTAssertEqual(try listen(["PROXYD_LISTEN": "localhost:8082"]), "127.0.0.1:8082")
        XCTAssertEqual(try listen(["PROXYD_LISTEN": " [::]:65535 "]), ":::65535")
    }

    func testPortAliasesSetOnlyThePortAndYieldToListen() throws {
        XCTAssertEqual(try listen(["PORT": "9001"]), "0.0.0.0:9001")
        XCTAssertEqual(try listen(["GO_CHATGPT_API_PORT": "9002", "PORT": "9001"]), "0.0.0.0:9002")
        XCTAssertEqual(try listen(["PROXYD_LISTEN": "127.0.0.1:9003", "PORT": "9001"]), "127.0.0.1:9003")
    }

    func testProxyAliasesYieldToTheProxydName() throws {
        let direct = UpstreamProxy(scheme: .http, host: "a", port: 1)
        XCTAssertEqual(try Configuration.load(["PROXY": "http://a:1"]).upstreamProxies, [direct])
        XCTAssertEqual(try Configuration.load(["GO_CHATGPT_API_PROXY": "http://a:1", "PROXY": "http://b:2"])
            .upstreamProxies, [direct])
        XCTAssertEqual(try Configuration.load(["PROXYD_UPSTREAM_PROXY": "http://a:1", "PROXY": "http://b:2"])
            .upstreamProxies, [direct])
        // An explicitly empty PROXYD name means direct, even with an alias set elsewhere.
        XCTAssertEqual(try Configuration.load(["PROXYD_UPSTREAM_PROXY": "", "PROXY": "http://b:2"]).upstreamProxies, [])
    }

    func testBlankValuesTakeTheDefault() throws {
        let config = try Configuration.load(["PROXYD_WORKERS": " ", "PROXYD_LOG_LEVEL": "", "PROXYD_CA_FILE": ""])
        XCTAssertEqual(config.logLevel, .info)
        XCTAssertNil(config.caFile)
        XCTAssertGreaterThanOrEqual(config.workers, 1)
    }

    func testMergePrecedenceFlagsThenEnvironmentThenDotEnv() throws {
        let flags = ["PROXYD_WORKERS": "1"]
        let environment = ["PROXYD_WORKERS": "2", "PROXYD_LOG_LEVEL": "debug", "PORT": "9000", "HOME": "/root"]
        let dotEnv = ["PROXYD_WORKERS": "3", "PROXYD_LOG_LEVEL": "error", "PROXYD_LISTEN": "127.0.0.1:1",
                      "PROXYD_MAX_BODY_BYTES": "7"]
        let merged = Configuration.merge([flags, environment, dotEnv])
        let config = try Configuration.load(merged)
        XCTAssertEqual(config.workers, 1)
        XCTAssertEqual(config.logLevel, .debug)
        XCTAssertEqual(config.maxBodyBytes, 7)
        // The environment's port alias outranks the file's PROXYD_LISTEN as a whole.
        XCTAssertEqual("\(config.listenHost):\(config.listenPort)", "0.0.0.0:9000")
        XCTAssertNil(merged["HOME"], "unrelated environment variables are not settings")
    }

    func testMergeKeepsUnknownProxydNamesSoLoadRejectsThem() {
        let merged = Configuration.merge([[:], [:], ["PROXYD_WORKER": "2"]])
        XCTAssertEqual(merged["PROXYD_WORKER"], "2")
        XCTAssertThrowsError(try Configuration.load(merged)) { error in
            XCTAssertEqual("\(error)", "PROXYD_WORKER: unknown setting (see proxyd --help)")
        }
    }

    func testEachBadValueNamesItsSetting() throws {
        let cases: [(String, String)] = [
            ("PROXYD_LISTEN", "8080"), ("PROXYD_LISTEN", "example.com:80"), ("PROXYD_LISTEN", "1.2.3.4:0"),
            ("PROXYD_LISTEN", "[::1]"), ("PROXYD_LISTEN", "::1:80"), ("PORT", "http"), ("GO_CHATGPT_API_PORT", "70000"),
            ("PROXYD_UPSTREAM_PROXY", "ftp://h:1"), ("PROXYD_UPSTREAM_PROXY", "http://h"),
            ("PROXYD_UPSTREAM_PROXY", "http://a:1,socks5://h:99999"), ("PROXY", "socks4://h:1"),
            ("GO_CHATGPT_API_PROXY", "http://:1"), ("PROXYD_UPSTREAM_PROXY", "http://u:%zz@h:1"),
            ("PROXYD_CHATGPT_URL", "chatgpt.com"), ("PROXYD_PLATFORM_URL", "ftp://x"),
            ("PROXYD_AUTH_URL", "https://"), ("PROXYD_PLATFORM_WEB_URL", "https://h:0"),
            ("PROXYD_TLS_PROFILE", "ie6"), ("PROXYD_CA_FILE", "/nonexistent/ca.pem"), ("PROXYD_CA_FILE", "/"),
            ("PROXYD_RESOLVE", "h:443"), ("PROXYD_RESOLVE", "h:443:example.com"), ("PROXYD_RESOLVE", "h:x:1.2.3.4"),
            ("PROXYD_RESOLVE", "1.2.3.4"), ("PROXYD_RESOLVE", ":443:1.2.3.4"),
            ("PROXYD_DNS_SERVERS", "dns.google"), ("PROXYD_DNS_SERVERS", "[::1"), ("PROXYD_DNS_SERVERS", "1.1.1.1:0"),
            ("PROXYD_DNS_SERVERS", "[1.1.1.1]:53"),
            ("PROXYD_WORKERS", "abc"), ("PROXYD_WORKERS", "0"), ("PROXYD_WORKERS", "257"), ("PROXYD_WORKERS", "-1"),
            ("PROXYD_WORKERS", "99999999999999999999999"),
            ("PROXYD_MAX_BODY_BYTES", "-1"), ("PROXYD_MAX_BODY_BYTES", "1k"),
            ("PROXYD_MAX_BODY_BYTES", "18446744073709551616"),
            ("PROXYD_HEADER_TIMEOUT", "0"), ("PROXYD_IDLE_TIMEOUT", "1."), ("PROXYD_CONNECT_TIMEOUT", ".5"),
            ("PROXYD_UPSTREAM_TIMEOUT", "1.2345"), ("PROXYD_UPSTREAM_TIMEOUT", "86400.001"),
            ("PROXYD_HEADER_TIMEOUT", "1e3"), ("PROXYD_IDLE_TIMEOUT", "99999999999999999999"),
            ("PROXYD_LOG_LEVEL", "verbose"), ("PROXYD_LIMITS", "off"),
            ("PROXYD_ADMIN_LISTEN", "9180"), ("PROXYD_ADMIN_LISTEN", "no"), ("PROXYD_ADMIN_LISTEN", "example.com:9180"),
        ]
        for (name, value) in cases {
            XCTAssertThrowsError(try Configuration.load([name: value]), "\(name)=\(value)") { error in
                let line = "\(error)"
                XCTAssertTrue(line.hasPrefix("\(name): "), line)
                XCTAssertFalse(line.contains("\n"), line)
            }
        }
    }

    func testWorkersErrorMessage() {
        XCTAssertThrowsError(try Configuration.load(["PROXYD_WORKERS": "abc"])) { error in
            XCTAssertEqual("\(error)", #"PROXYD_WORKERS: expected a whole number from 1 to 256, got "abc""#)
        }
    }

    func testProxyCredentialsNeverShown() {
        XCTAssertThrowsError(try Configuration.load(["PROXY": "socks5://alice:hunter2@h"])) { error in
            XCTAssertFalse("\(error)".contains("hunter2"), "\(error)")
            XCTAssertFalse("\(error)".contains("alice"), "\(error)")
        }
        let proxy = UpstreamProxy(scheme: .socks5, host: "h", port: 1, username: "u", password: "hunter2")
        XCTAssertEqual(proxy.description, "socks5://u:***@h:1")
    }

    func testProxyForms() throws {
        let proxies = try Configuration.load([
            "PROXYD_UPSTREAM_PROXY": "SOCKS5://bob@h:1,http://h2:2/,,socks5://[2001:db8::1]:3",
        ]).upstreamProxies
        XCTAssertEqual(proxies, [
            UpstreamProxy(scheme: .socks5, host: "h", port: 1, username: "bob"),
            UpstreamProxy(scheme: .http, host: "h2", port: 2),
            UpstreamProxy(scheme: .socks5, host: "2001:db8::1", port: 3),
        ])
        XCTAssertEqual(proxies[2].endpoint, "[2001:db8::1]:3")
    }

    func testResolveAcceptsCurlForms() throws {
        let overrides = try Configuration.load([
            "PROXYD_RESOLVE": "ChatGPT.com:443:127.0.0.1,::1, api.openai.com:443:[::1],auth:80:[2001:db8::2]",
        ]).resolve
        XCTAssertEqual(overrides, [
            ResolveOverride(host: "chatgpt.com", port: 443, address: "127.0.0.1"),
            ResolveOverride(host: "chatgpt.com", port: 443, address: "::1"),
            ResolveOverride(host: "api.openai.com", port: 443, address: "::1"),
            ResolveOverride(host: "auth", port: 80, address: "2001:db8::2"),
        ])
    }

    func testDNSServerForms() throws {
        let servers = try Configuration.load(["PROXYD_DNS_SERVERS": "1.1.1.1, ::1,[::1]:5353,8.8.8.8:53"]).dnsServers
        XCTAssertEqual(servers, [
            DNSServer(address: "1.1.1.1", port: 53), DNSServer(address: "::1", port: 53),
            DNSServer(address: "::1", port: 5353), DNSServer(address: "8.8.8.8", port: 53),
        ])
    }

    func testDNSSettings() throws {
        let defaults = try Configuration.load([:])
        XCTAssertEqual([defaults.dnsTimeoutMs, defaults.dnsMinTTLMs, defaults.dnsMaxTTLMs, defaults.dnsNegativeTTLMs],
                       [5_000, 30_000, 600_000, 5_000])
        let given = try Configuration.load(["PROXYD_DNS_TIMEOUT": "1.5", "PROXYD_DNS_MIN_TTL": "1",
                                            "PROXYD_DNS_MAX_TTL": "1", "PROXYD_DNS_NEGATIVE_TTL": "0.25"])
        XCTAssertEqual([given.dnsTimeoutMs, given.dnsMinTTLMs, given.dnsMaxTTLMs, given.dnsNegativeTTLMs],
                       [1_500, 1_000, 1_000, 250])
        for (name, value) in [("PROXYD_DNS_TIMEOUT", "0"), ("PROXYD_DNS_MIN_TTL", "-1"), ("PROXYD_DNS_MAX_TTL", "1m"),
                              ("PROXYD_DNS_NEGATIVE_TTL", "0.0001")] {
            XCTAssertThrowsError(try Configuration.load([name: value])) { XCTAssertTrue("\($0)".hasPrefix("\(name): ")) }
        }
        XCTAssertThrowsError(try Configuration.load(["PROXYD_DNS_MAX_TTL": "10"])) { error in
            XCTAssertEqual("\(error)", "PROXYD_DNS_MAX_TTL: minimum TTL 30 s exceeds the maximum TTL 10 s")
        }
    }

    func testSettingsTableIsConsistent() {
        let settings = Configuration.settings
        XCTAssertEqual(settings.map(\.envName), SettingKey.allCases.map(\.rawValue))
        XCTAssertEqual(Set(settings.map(\.flag)).count, settings.count)
        XCTAssertEqual(Configuration.setting(.maxBodyBytes).flag, "max-body-bytes")
        XCTAssertEqual(Configuration.setting(.chatgptURL).flag, "chatgpt-url")
        for setting in settings {
            XCTAssertFalse(setting.help.isEmpty, setting.envName)
            XCTAssertFalse(setting.placeholder.isEmpty, setting.envName)
            if let value = setting.defaultValue {
                XCTAssertEqual(setting.defaultText, value, setting.envName)
            }
        }
        XCTAssertEqual(Configuration.setting(.listen).aliases, ["GO_CHATGPT_API_PORT", "PORT"])
        XCTAssertEqual(Configuration.setting(.upstreamProxy).aliases, ["GO_CHATGPT_API_PROXY", "PROXY"])
    }

    func testLogLevelsOrderBySeverity() {
        XCTAssertLessThan(LogLevel.error, .warning)
        XCTAssertLessThan(LogLevel.warning, .info)
        XCTAssertLessThan(LogLevel.info, .debug)
    }

    private func listen(_ values: [String: String]) throws -> String {
        let config = try Configuration.load(values)
        return "\(config.listenHost):\(config.listenPort)"
    }

    private func temporaryFile(_ contents: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("proxyd-ca-\(UUID().uuidString).pem")
        try contents.write(to: url, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }
}

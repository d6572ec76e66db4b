import Dispatch
import Foundation
import XCTest

/// The c-ares resolver inside proxyd against a real dnsmasq (or a server that never answers) as the only
/// DNS server. One worker, so every request meets the same resolver cache.
final class DNSTests: XCTestCase {
    private let domain = TestPKI.dnsTestDomain
    private var pki: TestPKI!

    override func setUpWithError() throws {
        pki = try TestPKI.shared.get()
    }

    private func startProxyd(dnsServer: String, chatgpt: String, platform: String,
                             extra: [String: String] = [:]) throws -> ProxydProcess {
        try ProxydProcess(settings: ProxydProcess.baseSettings(pki: pki).merging([
            "PROXYD_WORKERS": "1",
            "PROXYD_DNS_SERVERS": dnsServer,
            "PROXYD_CHATGPT_URL": chatgpt,
            "PROXYD_PLATFORM_URL": platform,
        ].merging(extra) { $1 }) { $1 })
    }

    private func get(_ proxyd: ProxydProcess, _ target: String, timeout: Double = 10) throws -> RawResponse {
        let connection = try RawHTTPConnection(port: proxyd.port, timeout: timeout)
        try connection.send(RequestBuilder.build("GET", target))
        return try connection.readResponse()
    }


    func testSecondDialOfANameIsAnsweredFromTheCache() throws {
        let name = "cached.\(domain)"
        let dns = try DNSMasq(records: [name: ["127.0.0.1"]], ttlSeconds: 300)
        let chatgpt = try UpstreamFixture.trusted(pki), platform = try UpstreamFixture.trusted(pki)
        defer { chatgpt.shutdown(); platform.shutdown() }
        // Two origins on one name: the second request needs a new connection, hence a second lookup.
        let proxyd = try startProxyd(dnsServer: "127.0.0.1:\(dns.port)", chatgpt: "https://\(name):\(chatgpt.port)",
                                     platform: "https://\(name):\(platform.port)")
        defer { _ = proxyd.stop() }

        let first = try get(proxyd, "/chatgpt/backend-api/first")
        XCTAssertEqual(first.status, 200, "\(first.bodyText)\n\(proxyd.logTail())")
        let second = try get(proxyd, "/platform/v1/second")
        XCTAssertEqual(second.status, 200, "\(second.bodyText)\n\(proxyd.logTail())")
        XCTAssertNotNil(platform.recorder.waitForRequest { $0.path == "/v1/second" }, "the second origin was not dialed")
        XCTAssertEqual(dns.queries(for: name).sorted(), ["A", "AAAA"], dns.logText)
    }

    func testAnswerIsAskedForAgainOnceItsTTLRunsOut() throws {
        let name = "ttl.\(domain)"
        let dns = try DNSMasq(records: [name: ["127.0.0.1"]], ttlSeconds: 1)
        let fixture = try UpstreamFixture.trusted(pki)
        defer { fixture.shutdown() }
        // Idle upstream connections close quickly, so the later request dials (and resolves) again.
        let proxyd = try startProxyd(dnsServer: "127.0.0.1:\(dns.port)", chatgpt: "https://\(name):\(fixture.port)",
                                     platform: fixture.baseURL,
                                     extra: ["PROXYD_DNS_MIN_TTL": "1", "PROXYD_UPSTREAM_IDLE_CLOSE": "0.2"])
        defer { _ = proxyd.stop() }

        XCTAssertEqual(try get(proxyd, "/chatgpt/backend-api/before").status, 200, proxyd.logTail())
        XCTAssertEqual(dns.queries(for: name).filter { $0 == "A" }.count, 1, dns.logText)
        usleep(1_600_000)
        XCTAssertEqual(try get(proxyd, "/chatgpt/backend-api/after").status, 200, proxyd.logTail())
        XCTAssertEqual(dns.queries(for: name).filter { $0 == "A" }.count, 2, dns.logText)
    }

    func testUnknownNameIs502NamingDNSAndTheHost() throws {
        let name = "missing.\(domain)"
        let dns = try DNSMasq(records: [:], ttlSeconds: 60)
        let fixture = try UpstreamFixture.trusted(pki)
        defer { fixture.shutdown() }
        let proxyd = try startProxyd(dnsServer: "127.0.0.1:\(dns.port)", chatgpt: "https://\(name):\(fixture.port)",
                                     platform: fixture.baseURL)
        defer { _ = proxyd.stop() }

        let response = try get(proxyd, "/chatgpt/backend-api/conversations")
        XCTAssertEqual(response.status, 502, response.bodyText)
        let message = response.errorMessage
        XCTAssertTrue(message.contains("upstream DNS lookup failed for \(name)"), message)
        XCTAssertTrue(message.contains("NXDOMAIN"), message)
        // Negative caching: the second request gets the same answer without asking again.
        XCTAssertEqual(try get(proxyd, "/chatgpt/backend-api/conversations").status, 502)
        XCTAssertEqual(dns.queries(for: name).sorted(), ["A", "AAAA"], dns.logText)
    }

    func testSilentServerGives504WithinTheDNSTimeout() throws {
        let silent = try SilentUDPServer()
        let name = "silent.\(domain)"
        let fixture = try UpstreamFixture.trusted(pki)
        defer { fixture.shutdown() }
        let proxyd = try startProxyd(dnsServer: "127.0.0.1:\(silent.port)", chatgpt: "https://\(name):\(fixture.port)",
                                     platform: fixture.baseURL, extra: ["PROXYD_DNS_TIMEOUT": "1"])
        defer { _ = proxyd.stop() }

        let start = DispatchTime.now().uptimeNanoseconds
        let response = try get(proxyd, "/chatgpt/backend-api/conversations")
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        XCTAssertEqual(response.status, 504, response.bodyText)
        XCTAssertEqual(response.errorMessage, "upstream DNS lookup for \(name) timed out after 1 s (PROXYD_DNS_TIMEOUT)")
        XCTAssertGreaterThanOrEqual(elapsed, 0.9)
        XCTAssertLessThan(elapsed, 2.5)
        XCTAssertGreaterThan(silent.datagramsReceived(), 0, "the lookup never reached the silent server")
    }

    func testAddressFamiliesReachTheirFixtures() throws {
        let v6Name = "v6only.\(domain)", v4Name = "v4only.\(domain)"
        let dns = try DNSMasq(records: [v6Name: ["::1"], v4Name: ["127.0.0.1"]], ttlSeconds: 60)
        let v6Fixture = try UpstreamFixture.trusted(pki, host: "::1"), v4Fixture = try UpstreamFixture.trusted(pki)
        defer { v6Fixture.shutdown(); v4Fixture.shutdown() }
        let proxyd = try startProxyd(dnsServer: "127.0.0.1:\(dns.port)",
                                     chatgpt: "https://\(v6Name):\(v6Fixture.port)",
                                     platform: "https://\(v4Name):\(v4Fixture.port)")
        defer { _ = proxyd.stop() }

        let v6 = try get(proxyd, "/chatgpt/backend-api/over-ipv6")
        XCTAssertEqual(v6.status, 200, "\(v6.bodyText)\n\(proxyd.logTail())")
        XCTAssertNotNil(v6Fixture.recorder.waitForRequest { $0.path == "/backend-api/over-ipv6" })
        let v4 = try get(proxyd, "/platform/v1/over-ipv4")
        XCTAssertEqual(v4.status, 200, "\(v4.bodyText)\n\(proxyd.logTail())")
        XCTAssertNotNil(v4Fixture.recorder.waitForRequest { $0.path == "/v1/over-ipv4" })
        XCTAssertEqual(dns.queries(for: v6Name).sorted(), ["A", "AAAA"])
        XCTAssertEqual(dns.queries(for: v4Name).sorted(), ["A", "AAAA"])
    }

    func testWorkerServesOtherRequestsWhileALookupHangs() throws {
        let silent = try SilentUDPServer()
        let fixture = try UpstreamFixture.trusted(pki)
        defer { fixture.shutdown() }
        let hanging = "hang.\(domain)"
        let proxyd = try startProxyd(dnsServer: "127.0.0.1:\(silent.port)",
                                     chatgpt: "https://\(hanging):\(fixture.port)",
                                     platform: "https://\(TestPKI.madeUpHostName):\(fixture.port)",
                                     extra: ["PROXYD_DNS_TIMEOUT": "3",
                                             "PROXYD_RESOLVE": "\(TestPKI.madeUpHostName):\(fixture.port):127.0.0.1"])
        defer { _ = proxyd.stop() }

        let stuck = try RawHTTPConnection(port: proxyd.port, timeout: 10)
        try stuck.send(RequestBuilder.build("GET", "/chatgpt/backend-api/stuck"))
        let start = DispatchTime.now().uptimeNanoseconds
        for index in 0..<5 {
            let response = try get(proxyd, "/platform/v1/meanwhile/\(index)")
            XCTAssertEqual(response.status, 200, response.bodyText)
        }
        let served = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        XCTAssertLessThan(served, 2, "requests waited for the hanging lookup")
        let late = try stuck.readResponse()
        XCTAssertEqual(late.status, 504, late.bodyText)
        XCTAssertTrue(late.errorMessage.contains("DNS lookup for \(hanging) timed out"), late.errorMessage)
    }
}

/// A UDP socket on 127.0.0.1 that receives DNS queries and never answers them.
private final class SilentUDPServer {
    let port: Int
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError("socket() failed: errno \(errno)") }
        var address = LoopbackSocket.address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw TestSetupError("could not bind a loopback UDP port: errno \(errno)")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }

    func datagramsReceived() -> Int {
        var count = 0
        var buffer = [UInt8](repeating: 0, count: 1500)
        while recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT)) >= 0 { count += 1 }
        return count
    }
}

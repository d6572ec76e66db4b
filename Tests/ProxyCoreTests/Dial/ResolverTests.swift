@testable import ProxyCore
import Glibc
import XCTest

/// The resolver on a real event loop, with a DNS "server" that is a loopback UDP socket nobody answers on.
final class ResolverTests: XCTestCase {
    private final class Client: ResolverClient {
        let loop: EventLoop
        var answers: [(Resolver.Answer, UInt64)] = []
        init(_ loop: EventLoop) { self.loop = loop }
        func didResolve(_ answer: Resolver.Answer) { answers.append((answer, loop.now)) }
    }

    private final class Ticker: EventHandler {
        let loop: EventLoop
        var ticks: [UInt64] = []
        init(_ loop: EventLoop) { self.loop = loop }
        override func handleTimeout() {
            ticks.append(loop.now)
            loop.setTimeout(self, milliseconds: 20)
        }
    }

    private final class Stop: EventHandler {
        let loop: EventLoop
        init(_ loop: EventLoop) { self.loop = loop }
        override func handleTimeout() { loop.stop() }
    }

    private var silentFD: Int32 = -1
    private var silentPort: UInt16 = 0

    override func setUpWithError() throws {
        silentFD = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(silentFD, 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Bool in
                bind(silentFD, raw, length) == 0 && getsockname(silentFD, raw, &length) == 0
            }
        }
        XCTAssertTrue(bound)
        silentPort = UInt16(bigEndian: address.sin_port)
    }

    override func tearDown() {
        close(silentFD)
    }

    private func makeResolver(_ loop: EventLoop, timeout: String = "0.4",
                              metrics: WorkerMetrics = WorkerMetrics(layout: MetricsLayout(proxies: 0))) throws -> Resolver {
        let configuration = try Configuration.load([
            "PROXYD_DNS_SERVERS": "127.0.0.1:\(silentPort)", "PROXYD_DNS_TIMEOUT": timeout,
        ])
        return try Resolver(loop: loop, overrides: [:], configuration: configuration, metrics: metrics)
    }

    /// Datagrams the silent server got, as the query names they carry.
    private func receivedQueryNames() -> [String] {
        var names: [String] = []
        var buffer = [UInt8](repeating: 0, count: 1500)
        while true {
            let count = recv(silentFD, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            guard count > 12 else { break }
            var labels: [String] = []
            var index = 12  // the question follows the 12-byte header
            while index < count, buffer[index] != 0, index + Int(buffer[index]) < count {
                let length = Int(buffer[index])
                labels.append(String(decoding: buffer[(index + 1)...(index + length)], as: UTF8.self))
                index += length + 1
            }
            names.append(labels.joined(separator: "."))
        }
        return names
    }

    func testNumericAndHostsFileNamesAnswerAtOnce() throws {
        let loop = try EventLoop()
        let resolver = try makeResolver(loop)
        let client = Client(loop)
        guard case .addresses(let numeric) = resolver.resolve(host: "::1", port: 443, for: client) else {
            return XCTFail("numeric host not answered at once")
        }
        XCTAssertEqual(numeric.map(\.description), ["[::1]:443"])
        // /etc/hosts ("fb": file before DNS) names localhost; no DNS query may be needed for it.
        guard case .addresses(let local) = resolver.resolve(host: "localhost", port: 8443, for: client) else {
            return XCTFail("localhost not answered from /etc/hosts at once")
        }
        XCTAssertTrue(local.contains { ["127.0.0.1:8443", "[::1]:8443"].contains($0.description) }, "\(local)")
        XCTAssertEqual(receivedQueryNames(), [])
        XCTAssertTrue(client.answers.isEmpty)
    }

    /// A name looked up again within its TTL is a cache hit; numeric hosts are neither hit nor miss.
    func testCacheHitsAndMissesAreCounted() throws {
        let loop = try EventLoop()
        let metrics = WorkerMetrics(layout: MetricsLayout(proxies: 0))
        let resolver = try makeResolver(loop, metrics: metrics)
        let client = Client(loop)
        XCTAssertNotNil(resolver.resolve(host: "127.0.0.1", port: 443, for: client))
        XCTAssertEqual(metrics.cellValue(.dnsCacheMisses), 0)
        XCTAssertNotNil(resolver.resolve(host: "localhost", port: 443, for: client), "from /etc/hosts")
        XCTAssertEqual(metrics.cellValue(.dnsCacheMisses), 1)
        XCTAssertEqual(metrics.cellValue(.dnsCacheHits), 0)
        XCTAssertNotNil(resolver.resolve(host: "localhost", port: 80, for: client))
        XCTAssertEqual(metrics.cellValue(.dnsCacheHits), 1, "the name is cached whatever the port")
        XCTAssertEqual(metrics.cellValue(.dnsCacheMisses), 1)
    }

    func testSilentServerTimesOutEveryWaiterOfOneQueryWithoutBlockingTheLoop() throws {
        let loop = try EventLoop()
        let resolver = try makeResolver(loop)
        let first = Client(loop), second = Client(loop), third = Client(loop)
        let start = loop.now
        XCTAssertNil(resolver.resolve(host: "silent.proxyd.test", port: 443, for: first))
        XCTAssertNil(resolver.resolve(host: "silent.proxyd.test", port: 80, for: second))
        XCTAssertNil(resolver.resolve(host: "silent.proxyd.test", port: 443, for: third))
        resolver.cancel(third, host: "silent.proxyd.test")
        let ticker = Ticker(loop)
        loop.setTimeout(ticker, milliseconds: 20)
        let stop = Stop(loop)
        loop.setTimeout(stop, milliseconds: 550)
        loop.run()

        for client in [first, second] {
            XCTAssertEqual(client.answers.count, 1)
            guard let (answer, at) = client.answers.first, case .timedOut = answer else {
                return XCTFail("expected a timeout, got \(client.answers)")
            }
            XCTAssertGreaterThanOrEqual(at - start, 400)
            XCTAssertLessThan(at - start, 600)
        }
        XCTAssertTrue(third.answers.isEmpty, "a cancelled waiter is not called")
        XCTAssertGreaterThan(ticker.ticks.filter { $0 - start < 400 }.count, 10, "the loop ran while the lookup hung")
        // One query per name and type (c-ares retries add to both), never one per waiter.
        let names = receivedQueryNames()
        XCTAssertFalse(names.isEmpty)
        XCTAssertEqual(Set(names), ["silent.proxyd.test"])
        XCTAssertEqual(names.count % 2, 0, "A and AAAA go out together: \(names)")
        XCTAssertLessThanOrEqual(names.count, 6, "three tries at most within the timeout: \(names)")
    }

    func testLookupAfterATimeoutStartsAFreshQuery() throws {
        let loop = try EventLoop()
        let resolver = try makeResolver(loop, timeout: "0.1")
        let first = Client(loop), second = Client(loop)
        XCTAssertNil(resolver.resolve(host: "again.proxyd.test", port: 443, for: first))
        let stop = Stop(loop)
        loop.setTimeout(stop, milliseconds: 150)
        loop.run()
        XCTAssertEqual(first.answers.count, 1)
        let restart = loop.now
        XCTAssertNil(resolver.resolve(host: "again.proxyd.test", port: 443, for: second), "timeouts are not cached")
        loop.setTimeout(stop, milliseconds: 150)
        loop.run()
        guard let (answer, at) = second.answers.first, case .timedOut = answer else {
            return XCTFail("expected a timeout, got \(second.answers)")
        }
        XCTAssertGreaterThanOrEqual(at - restart, 100, "the second lookup has its own full timeout")
    }
}

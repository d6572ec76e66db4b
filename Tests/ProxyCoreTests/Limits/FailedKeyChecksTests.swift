import Glibc
@testable import ProxyCore
import XCTest

final class FailedKeyChecksTests: XCTestCase {
    private let start = LimitTest.start, second = LimitTest.second
    private let scanner = ClientAddress(ipv4: 0xC633_6407)  // 198.51.100.7

    func testBurstOfFailuresThenOneEveryIntervalThen429() {
        let table = FailedKeyChecks(FailedKeyChecks.Parameters(perMinute: 10, burst: 20))
        for _ in 0..<21 {
            XCTAssertNil(table.refusal(for: scanner, now: start))
            XCTAssertNil(table.recordFailure(scanner, now: start))
        }
        let refusal = LimitRefusal(kind: .failedKeyChecks, limit: 10, retryAfterMillis: 6000)
        XCTAssertEqual(table.refusal(for: scanner, now: start), refusal)
        XCTAssertEqual(table.recordFailure(scanner, now: start), refusal, "over the limit: refused, not recorded")
        XCTAssertEqual(refusal.shouldRetry, false)
        XCTAssertEqual(table.refusal(for: scanner, now: start + 6 * second - 1)?.retryAfterMillis, 1)
        XCTAssertNil(table.refusal(for: scanner, now: start + 6 * second))
        XCTAssertNil(table.recordFailure(scanner, now: start + 6 * second))
        XCTAssertNotNil(table.refusal(for: scanner, now: start + 6 * second))
        XCTAssertNil(table.refusal(for: ClientAddress(ipv4: 0xC633_6408), now: start), "another address")
    }

    /// 100,000 distinct addresses, one failure each, while a scanner is refused: the table stays at its bound,
    /// and the scanner, a burst in debt, stays refused, as the flood's entries evict one another first.
    func testAFloodOfAddressesStaysBoundedAndKeepsTheRefusedOne() {
        let table = FailedKeyChecks(seed: 0x5EED)
        for _ in 0..<21 { table.recordFailure(scanner, now: start) }
        XCTAssertNotNil(table.refusal(for: scanner, now: start))
        for n in 0..<100_000 {
            let now = start + Int64(n) * 10  // one second for the whole flood
            table.recordFailure(ClientAddress(high: 0x2001_0DB8_0000_0000 | UInt64(n), low: 1), now: now)
        }
        XCTAssertEqual(table.capacity, 4096)
        XCTAssertEqual(table.count, 4096)
        XCTAssertNotNil(table.refusal(for: scanner, now: start + second))
    }

    /// One bucket (capacity 8), so every address competes for it: a new address takes the entry whose TAT is
    /// earliest, first one whose failures have all expired, never the refused address's.
    func testEvictionTakesTheEntryClosestToNoFailures() {
        let table = FailedKeyChecks(FailedKeyChecks.Parameters(perMinute: 60, burst: 2, capacity: 8))
        XCTAssertEqual(table.capacity, 8)
        for _ in 0..<3 { table.recordFailure(scanner, now: start) }
        let old = ClientAddress(ipv4: 1)
        table.recordFailure(old, now: start - 10 * second)
        for n in 2...7 { table.recordFailure(ClientAddress(ipv4: UInt32(n)), now: start) }
        XCTAssertEqual(table.count, 8)
        // The 9th address takes `old`'s entry, whose one failure has expired: the others keep theirs.
        table.recordFailure(ClientAddress(ipv4: 9), now: start)
        for _ in 0..<2 { XCTAssertNil(table.recordFailure(ClientAddress(ipv4: 2), now: start)) }
        XCTAssertNotNil(table.recordFailure(ClientAddress(ipv4: 2), now: start), "address 2 kept its first failure")
        // More newcomers evict the least indebted, never the refused scanner.
        for n in 10..<1000 { table.recordFailure(ClientAddress(ipv4: UInt32(n)), now: start) }
        XCTAssertEqual(table.count, 8)
        XCTAssertNotNil(table.refusal(for: scanner, now: start))
    }

    func testIPv6CountsByItsSlash64AndIPv4Whole() {
        let table = FailedKeyChecks(FailedKeyChecks.Parameters(perMinute: 60, burst: 0))
        table.recordFailure(ClientAddress(high: 0x2001_0DB8_0000_0001, low: 1), now: start)
        XCTAssertNotNil(table.refusal(for: ClientAddress(high: 0x2001_0DB8_0000_0001, low: 0xFFFF), now: start))
        XCTAssertNil(table.refusal(for: ClientAddress(high: 0x2001_0DB8_0000_0002, low: 1), now: start))
        table.recordFailure(ClientAddress(ipv4: 0x0A00_0001), now: start)
        XCTAssertNil(table.refusal(for: ClientAddress(ipv4: 0x0A00_0002), now: start))
        XCTAssertNotNil(table.refusal(for: ClientAddress(high: 0, low: 0xFFFF_0A00_0001), now: start),
                        "IPv4-mapped IPv6 is the same client")
        let whole = FailedKeyChecks(FailedKeyChecks.Parameters(perMinute: 60, burst: 0, ipv6PrefixBits: 128))
        whole.recordFailure(ClientAddress(high: 0x2001_0DB8_0000_0001, low: 1), now: start)
        XCTAssertNil(whole.refusal(for: ClientAddress(high: 0x2001_0DB8_0000_0001, low: 2), now: start))
    }

    func testNetworkPrefixes() {
        let address = ClientAddress(high: 0x2001_0DB8_AAAA_BBBB, low: 0xCCCC_DDDD_EEEE_FFFF)
        XCTAssertEqual(address.network(ipv6PrefixBits: 0), ClientAddress(high: 0, low: 0))
        XCTAssertEqual(address.network(ipv6PrefixBits: 48), ClientAddress(high: 0x2001_0DB8_AAAA_0000, low: 0))
        XCTAssertEqual(address.network(ipv6PrefixBits: 64), ClientAddress(high: 0x2001_0DB8_AAAA_BBBB, low: 0))
        XCTAssertEqual(address.network(ipv6PrefixBits: 80), ClientAddress(high: 0x2001_0DB8_AAAA_BBBB, low: 0xCCCC_0000_0000_0000))
        XCTAssertEqual(address.network(ipv6PrefixBits: 128), address)
        XCTAssertEqual(scanner.network(ipv6PrefixBits: 0), scanner)
    }

    func testAddressesFromSocketAddressesAndBytes() {
        var v4 = sockaddr_in()
        v4.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "198.51.100.7", &v4.sin_addr)
        XCTAssertEqual(address(of: &v4), scanner)
        var v6 = sockaddr_in6()
        v6.sin6_family = sa_family_t(AF_INET6)
        inet_pton(AF_INET6, "2001:db8::1:2", &v6.sin6_addr)
        XCTAssertEqual(address(of: &v6), ClientAddress(high: 0x2001_0DB8_0000_0000, low: 0x0000_0000_0001_0002))
        inet_pton(AF_INET6, "::ffff:198.51.100.7", &v6.sin6_addr)
        let mapped = address(of: &v6)
        XCTAssertEqual(mapped, scanner)
        XCTAssertEqual(mapped?.isIPv4, true)
        var unix = sockaddr()
        unix.sa_family = sa_family_t(AF_UNIX)
        XCTAssertNil(address(of: &unix))
        XCTAssertEqual(([198, 51, 100, 7] as [UInt8]).withUnsafeBytes { ClientAddress(bytes: $0) }, scanner)
        XCTAssertNil(([1, 2, 3] as [UInt8]).withUnsafeBytes { ClientAddress(bytes: $0) })
    }

    private func address<SocketAddress>(of socketAddress: inout SocketAddress) -> ClientAddress? {
        withUnsafePointer(to: &socketAddress) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { ClientAddress($0) } }
    }
}

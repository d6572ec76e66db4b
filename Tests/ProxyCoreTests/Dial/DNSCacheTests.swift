@testable import ProxyCore
import XCTest

/// The resolver's cache rules without any network: TTL clamping, negative and failure lifetimes, expiry.
final class DNSCacheTests: XCTestCase {
    private let policy = DNSCachePolicy(minTTLMs: 30_000, maxTTLMs: 600_000, negativeTTLMs: 5_000)
    private let address = SocketAddress(ip: "192.0.2.1", port: 0)!

    func testPositiveTTLIsClampedToTheBounds() {
        XCTAssertEqual(policy.lifetime(of: .addresses([address], ttlSeconds: 0)), 30_000)
        XCTAssertEqual(policy.lifetime(of: .addresses([address], ttlSeconds: 29)), 30_000)
        XCTAssertEqual(policy.lifetime(of: .addresses([address], ttlSeconds: 300)), 300_000)
        XCTAssertEqual(policy.lifetime(of: .addresses([address], ttlSeconds: 601)), 600_000)
        XCTAssertEqual(policy.lifetime(of: .addresses([address], ttlSeconds: .max)), 600_000)
    }

    func testNegativeFailureAndTimeoutLifetimes() {
        XCTAssertEqual(policy.lifetime(of: .notFound("NXDOMAIN")), 5_000)
        XCTAssertEqual(policy.lifetime(of: .failure("SERVFAIL")), DNSCachePolicy.failureTTLMs)
        XCTAssertNil(policy.lifetime(of: .timedOut))
    }

    func testEntryLivesExactlyItsLifetime() {
        var cache = DNSCache(policy: policy)
        cache.store("a.test", .addresses([address], ttlSeconds: 60), now: 1_000)
        XCTAssertNotNil(cache.lookup("a.test", now: 1_000))
        XCTAssertNotNil(cache.lookup("a.test", now: 60_999))
        XCTAssertNil(cache.lookup("a.test", now: 61_000))
        XCTAssertNil(cache.lookup("a.test", now: 1_000), "an expired entry is dropped, not revived")
    }

    func testNegativeEntryExpiresAfterTheNegativeTTL() {
        var cache = DNSCache(policy: policy)
        cache.store("nx.test", .notFound("no such name (NXDOMAIN)"), now: 0)
        guard case .notFound(let message) = cache.lookup("nx.test", now: 4_999) else {
            return XCTFail("negative answer not cached")
        }
        XCTAssertTrue(message.contains("NXDOMAIN"))
        XCTAssertNil(cache.lookup("nx.test", now: 5_000))
    }

    func testTimeoutIsNotCachedAndDoesNotEvictAnAnswer() {
        var cache = DNSCache(policy: policy)
        cache.store("slow.test", .timedOut, now: 0)
        XCTAssertNil(cache.lookup("slow.test", now: 0))
        cache.store("a.test", .addresses([address], ttlSeconds: 60), now: 0)
        cache.store("a.test", .timedOut, now: 10)
        guard case .addresses(let list, _) = cache.lookup("a.test", now: 20) else { return XCTFail("answer lost") }
        XCTAssertEqual(list.map(\.description), ["192.0.2.1:0"])
    }

    func testNamesAreCachedSeparately() {
        var cache = DNSCache(policy: policy)
        cache.store("a.test", .addresses([address], ttlSeconds: 60), now: 0)
        XCTAssertNil(cache.lookup("b.test", now: 0))
    }

    func testWithPortKeepsTheAddress() {
        XCTAssertEqual(address.withPort(443).description, "192.0.2.1:443")
        let v6 = SocketAddress(ip: "2001:db8::1", port: 0)!
        XCTAssertEqual(v6.withPort(8443).description, "[2001:db8::1]:8443")
    }
}

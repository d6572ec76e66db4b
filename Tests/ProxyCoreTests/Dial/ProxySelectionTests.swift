@testable import ProxyCore
import XCTest

final class ProxySelectionTests: XCTestCase {
    /// The sticky hash must not change between runs or builds, or users would move between egress IPs.
    func testTokenHashIsFNV1a64() {
        XCTAssertEqual(ProxySet.fnv1a(""), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(ProxySet.fnv1a("a"), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(ProxySet.fnv1a("foobar"), 0x8594_4171_f739_67e8)
    }

    func testFirstUpWrapsAndSkipsDownProxies() {
        let down: Set<Int> = [1, 2]
        XCTAssertEqual(ProxySet.firstUp(from: 0, count: 4, isDown: down.contains), 0)
        XCTAssertEqual(ProxySet.firstUp(from: 1, count: 4, isDown: down.contains), 3)
        XCTAssertEqual(ProxySet.firstUp(from: 3, count: 4, isDown: { $0 != 1 }), 1, "wraps around")
        XCTAssertNil(ProxySet.firstUp(from: 2, count: 4, isDown: { _ in true }))
    }
}

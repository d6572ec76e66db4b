@testable import ProxyCore
import XCTest

final class HappyEyeballsOrderTests: XCTestCase {
    private func addresses(_ texts: [String]) -> [SocketAddress] {
        texts.compactMap { SocketAddress(ip: $0, port: 443) }
    }

    func testFamiliesAlternateStartingWithIPv6() {
        let ordered = SocketAddress.happyEyeballsOrder(addresses(["10.0.0.1", "10.0.0.2", "::1", "10.0.0.3", "::2"]))
        XCTAssertEqual(ordered.map(\.description),
                       ["[::1]:443", "10.0.0.1:443", "[::2]:443", "10.0.0.2:443", "10.0.0.3:443"])
    }

    func testOneFamilyKeepsItsOrder() {
        XCTAssertEqual(SocketAddress.happyEyeballsOrder(addresses(["10.0.0.2", "10.0.0.1"])).map(\.description),
                       ["10.0.0.2:443", "10.0.0.1:443"])
    }

    func testAddressBytesAreWhatSOCKS5Sends() {
        XCTAssertEqual(SocketAddress(ip: "192.0.2.7", port: 1)?.addressBytes, [192, 0, 2, 7])
        XCTAssertEqual(SocketAddress(ip: "::1", port: 1)?.addressBytes, [UInt8](repeating: 0, count: 15) + [1])
    }
}

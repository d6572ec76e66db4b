import Glibc
import ProxyCore
import XCTest

final class CIDRBlockTests: XCTestCase {
    private func block(_ text: String) throws -> CIDRBlock {
        try CIDRBlock(text[...])
    }

    /// The peer as the server gets it: a sockaddr from the kernel.
    private func peer(_ text: String) throws -> ClientAddress {
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { raw in
            if text.contains(":") {
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                XCTAssertEqual(inet_pton(AF_INET6, text, &address.sin6_addr), 1, text)
                withUnsafeBytes(of: address) { raw.copyMemory(from: $0) }
            } else {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                XCTAssertEqual(inet_pton(AF_INET, text, &address.sin_addr), 1, text)
                withUnsafeBytes(of: address) { raw.copyMemory(from: $0) }
            }
        }
        return try XCTUnwrap(withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { ClientAddress($0) }
        })
    }

    private func assertMatches(_ cidr: String, inside: [String], outside: [String], line: UInt = #line) throws {
        let range = try block(cidr)
        for address in inside { XCTAssertTrue(range.contains(try peer(address)), "\(address) in \(cidr)", line: line) }
        for address in outside { XCTAssertFalse(range.contains(try peer(address)), "\(address) not in \(cidr)", line: line) }
    }

    func testIPv4Edges() throws {
        try assertMatches("10.0.0.0/8", inside: ["10.0.0.0", "10.255.255.255", "10.1.2.3"],
                          outside: ["9.255.255.255", "11.0.0.0", "0.0.0.0", "::a00:1"])
        try assertMatches("192.168.1.128/25", inside: ["192.168.1.128", "192.168.1.255"],
                          outside: ["192.168.1.127", "192.168.2.128"])
        try assertMatches("203.0.113.7/32", inside: ["203.0.113.7"], outside: ["203.0.113.6", "203.0.113.8"])
        try assertMatches("203.0.113.7", inside: ["203.0.113.7"], outside: ["203.0.113.6"])
        try assertMatches("0.0.0.0/0", inside: ["0.0.0.0", "255.255.255.255", "::ffff:1.2.3.4"],
                          outside: ["::1", "2001:db8::1"])
    }

    func testIPv6Edges() throws {
        try assertMatches("2001:db8::/32", inside: ["2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"],
                          outside: ["2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::", "32.1.13.184"])
        try assertMatches("2001:db8:0:0:8000::/65", inside: ["2001:db8::8000:0:0:0", "2001:db8::ffff:ffff:ffff:ffff"],
                          outside: ["2001:db8::7fff:ffff:ffff:ffff", "2001:db8:0:1:8000::"])
        try assertMatches("::1/128", inside: ["::1"], outside: ["::", "::2", "127.0.0.1"])
        try assertMatches("fe80::/10", inside: ["fe80::1", "febf:ffff::"], outside: ["fec0::", "fe7f::"])
        // All of IPv6, but not IPv4 clients through the mapped form.
        try assertMatches("::/0", inside: ["::", "2001:db8::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
                          outside: ["10.0.0.1", "::ffff:10.0.0.1"])
    }

    /// A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; IPv4 ranges must still apply to them, and a
    /// range written in the mapped form is an IPv4 range.
    func testIPv4MappedAddresses() throws {
        try assertMatches("10.0.0.0/8", inside: ["::ffff:10.0.0.1", "::ffff:10.255.255.255"],
                          outside: ["::ffff:11.0.0.0", "::10.0.0.1", "64:ff9b::10.0.0.1"])
        try assertMatches("::ffff:10.0.0.0/104", inside: ["10.0.0.1", "::ffff:10.9.9.9"], outside: ["11.0.0.1"])
        try assertMatches("::ffff:0:0/96", inside: ["0.0.0.0", "255.255.255.255"], outside: ["::1", "::"])
    }

    func testAddressAsBytes() throws {
        let range = try block("10.0.0.0/8")
        let v4: [UInt8] = [10, 20, 30, 40]
        let mapped: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 20, 30, 40]
        let v6: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 12)
        XCTAssertTrue(range.contains(try XCTUnwrap(v4.withUnsafeBytes(ClientAddress.init(bytes:)))))
        XCTAssertTrue(range.contains(try XCTUnwrap(mapped.withUnsafeBytes(ClientAddress.init(bytes:)))))
        XCTAssertTrue(try block("2001:db8::/32").contains(try XCTUnwrap(v6.withUnsafeBytes(ClientAddress.init(bytes:)))))
        XCTAssertEqual(try XCTUnwrap(v4.withUnsafeBytes(ClientAddress.init(bytes:))), try peer("10.20.30.40"))
        for count in [0, 3, 5, 15, 17] {
            XCTAssertNil([UInt8](repeating: 1, count: count).withUnsafeBytes(ClientAddress.init(bytes:)), "\(count)")
        }
    }

    func testOtherFamiliesAreNoClientAddress() {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        XCTAssertNil(withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { ClientAddress($0) } })
    }

    func testBadRangesAreRefused() {
        for text in ["", "10.0.0.0/", "/8", "10.0.0.0/33", "::/129", "10.0.0.0/8/9", "10.0.0.0/+8", "10.0.0.0/ 8",
                     "10.0.0.0/0008", "10.0.0", "10.0.0.256/32", "host.example/8", "[::1]/128", "2001:db8::/-1"] {
            XCTAssertThrowsError(try block(text), text) { error in
                XCTAssertTrue("\(error)".hasPrefix("cidrs: expected a CIDR"), "\(error)")
            }
        }
    }

    /// Bits past the prefix are a mistake of the writer: a range or a host was meant, and which is unknown.
    func testHostBitsPastThePrefixAreRefused() {
        for text in ["10.0.0.1/8", "192.168.1.1/24", "2001:db8::1/32", "::ffff:10.0.0.1/104", "0.0.0.1/0"] {
            XCTAssertThrowsError(try block(text), text) { error in
                XCTAssertTrue("\(error)".contains("has address bits set past its /"), "\(error)")
            }
        }
    }

    func testDescriptionIsAsWritten() throws {
        XCTAssertEqual(try block("2001:DB8::/32").description, "2001:DB8::/32")
        XCTAssertEqual(try block("10.0.0.0/8").description, "10.0.0.0/8")
    }
}

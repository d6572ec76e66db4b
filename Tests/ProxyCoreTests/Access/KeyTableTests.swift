import ProxyCore
import XCTest

final class KeyTableTests: XCTestCase {
    private func record(_ key: String, id: String, name: String, _ extra: String = "") throws -> String {
        #"{"id":"\#(id)","name":"\#(name)","sha256":"\#(try AccessKey.digest(key).get().hex)","created":"2026-05-01T12:00:00Z"\#(extra)}"#
    }

    func testLookupByThePresentedKeysDigest() throws {
        let keys = (0..<50).map { _ in AccessKey.generate() }
        let lines = try keys.enumerated().map { try record($0.element, id: "k_\($0.offset)", name: "user \($0.offset)") }
        let table = KeyTable(try KeysFile(path: "k", bytes: Array(("# keys\n" + lines.joined(separator: "\n")).utf8)))
        XCTAssertEqual(table.records.count, 50)
        for (index, key) in keys.enumerated() {
            let slot = try XCTUnwrap(table.slot(of: try AccessKey.digest(key).get()), key)
            XCTAssertEqual(table.records[slot].id, "k_\(index)")
            XCTAssertEqual(table.records[slot].name, "user \(index)")
        }
        XCTAssertNil(table.slot(of: try AccessKey.digest(AccessKey.generate()).get()))
    }

    func testStatusAtTheExpiryBoundary() throws {
        let key = AccessKey.generate()
        let file = try KeysFile(path: "k", bytes: Array([
            try record(key, id: "k_a", name: "a", #","expires":"2027-01-31T00:00:00Z""#),
            try record(AccessKey.generate(), id: "k_b", name: "b", #","expires":"2027-01-31T00:00:00Z","disabled":true"#),
            try record(AccessKey.generate(), id: "k_c", name: "c"),
        ].joined(separator: "\n").utf8))
        let expiry = try XCTUnwrap(UTCTimestamp.parse("2027-01-31T00:00:00Z"))
        let (a, b, c) = (file.records[0], file.records[1], file.records[2])
        XCTAssertEqual(a.status(at: expiry - 1), .active)
        XCTAssertEqual(a.status(at: expiry), .expired)
        XCTAssertEqual(b.status(at: expiry - 1), .disabled)
        XCTAssertEqual(b.status(at: expiry + 1), .disabled)
        XCTAssertEqual(c.status(at: .max), .active)
    }

    func testRoutesAndAddressesAllowed() throws {
        let file = try KeysFile(path: "k", bytes: Array([
            try record(AccessKey.generate(), id: "k_a", name: "a", #","routes":["imitate","login"],"cidrs":["10.0.0.0/8","::1"]"#),
            try record(AccessKey.generate(), id: "k_b", name: "b"),
        ].joined(separator: "\n").utf8))
        let (limited, open) = (file.records[0], file.records[1])
        XCTAssertEqual(limited.routes, [.imitate, .login])
        XCTAssertTrue(limited.routes.contains(.imitate))
        XCTAssertFalse(limited.routes.contains(.chatgpt))
        XCTAssertEqual(open.routes, .all)
        let inside: [UInt8] = [10, 1, 2, 3], outside: [UInt8] = [192, 168, 0, 1]
        let loopback: [UInt8] = [UInt8](repeating: 0, count: 15) + [1]
        XCTAssertTrue(limited.allows(try XCTUnwrap(inside.withUnsafeBytes(ClientAddress.init(bytes:)))))
        XCTAssertTrue(limited.allows(try XCTUnwrap(loopback.withUnsafeBytes(ClientAddress.init(bytes:)))))
        XCTAssertFalse(limited.allows(try XCTUnwrap(outside.withUnsafeBytes(ClientAddress.init(bytes:)))))
        XCTAssertTrue(open.allows(try XCTUnwrap(outside.withUnsafeBytes(ClientAddress.init(bytes:)))))
    }

    func testRouteGroupNames() {
        XCTAssertEqual(KeyRecord.Routes.all.names, ["chatgpt", "platform", "imitate", "login"])
        XCTAssertEqual(KeyRecord.Routes([.login, .chatgpt]).names, ["chatgpt", "login"])
    }

    func testIDsAreShortAndDistinct() {
        let ids = (0..<100).map { _ in KeyRecord.newID() }
        XCTAssertEqual(Set(ids).count, 100)
        for id in ids {
            XCTAssertTrue(id.hasPrefix("k_"), id)
            XCTAssertEqual(id.count, 10, id)
        }
    }
}

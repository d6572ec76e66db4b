import ProxyCore
import XCTest

final class AccessKeyTests: XCTestCase {
    /// Fixed so that a change to the checksum or the digest fails here: every key already issued would stop
    /// working. The checksum and digest were computed apart from proxyd (Python's zlib.crc32 and hashlib).
    private let fixedKey = "pxd_000000000000000000000000000000002wjyrI"
    private let fixedDigest = "ef170447eb37fd4c6ffebb0442106aad6d6fd8ad441405a30dc19c752a97f1be"

    func testFixedKeyAndItsDigest() throws {
        XCTAssertEqual(try AccessKey.digest(fixedKey).get().hex, fixedDigest)
    }

    func testGeneratedKeysRoundTrip() throws {
        var seen: Set<String> = []
        for _ in 0..<200 {
            let key = AccessKey.generate()
            XCTAssertTrue(key.hasPrefix("pxd_"), key)
            XCTAssertEqual(key.utf8.count, 42)
            XCTAssertTrue(key.utf8.dropFirst(4).allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) })
            let digest = try AccessKey.digest(key).get()
            var bytes = Array(key.utf8)
            XCTAssertEqual(digest, bytes.withUnsafeMutableBytes { KeyDigest(hashing: UnsafeRawBufferPointer($0)) })
            XCTAssertTrue(seen.insert(key).inserted, "a key came twice")
        }
    }

    /// Not a proof of 190 bits, but a generator that repeated or favoured digits would show here: every one of
    /// the 62 digits turns up in each of the 32 random positions over 2000 keys (each misses with p < 1e-13).
    func testRandomDigitsCoverTheAlphabetInEveryPosition() {
        var seen = [Set<UInt8>](repeating: [], count: 32)
        for _ in 0..<2000 {
            for (index, byte) in AccessKey.generate().utf8.dropFirst(4).prefix(32).enumerated() { seen[index].insert(byte) }
        }
        XCTAssertEqual(seen.map(\.count), [Int](repeating: 62, count: 32))
    }

    func testEveryMalformedKindIsRefused() {
        let body = fixedKey.dropFirst(4)
        let cases: [(String, KeyRefusal)] = [
            ("", .prefix),
            ("pxd", .prefix),
            ("PXD_" + body, .prefix),
            ("pxe_" + body, .prefix),
            ("sk-" + body, .prefix),
            ("pxd_", .length),
            (String(fixedKey.dropLast()), .length),
            (fixedKey + "0", .length),
            (" " + fixedKey, .prefix),
            (fixedKey.dropLast() + " ", .alphabet),
            ("pxd_" + body.dropLast() + "-", .alphabet),
            ("pxd_" + "_" + body.dropFirst(), .alphabet),
            ("pxd_" + "é" + body.dropFirst(2), .alphabet),
            ("pxd_" + "1" + body.dropFirst(), .checksum),
            (String(fixedKey.dropLast()) + "J", .checksum),
        ]
        for (key, refusal) in cases {
            XCTAssertEqual(AccessKey.digest(key), .failure(refusal), key)
        }
    }

    /// CRC32 catches any change within 32 bits, so any one digit changed to any other must be refused, in the
    /// random part or the checksum itself.
    func testChecksumCatchesEverySingleCharacterChange() throws {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        for key in [fixedKey, AccessKey.generate()] {
            let bytes = Array(key.utf8)
            var changes = 0
            for position in 4..<bytes.count {
                for digit in alphabet where digit != bytes[position] {
                    var changed = bytes
                    changed[position] = digit
                    let text = String(decoding: changed, as: UTF8.self)
                    XCTAssertEqual(AccessKey.digest(text), .failure(.checksum), "position \(position)")
                    changes += 1
                }
            }
            XCTAssertEqual(changes, 38 * 61)
        }
    }

    func testRefusalsSayWhatIsWrongWithoutTheKey() {
        for refusal in [KeyRefusal.prefix, .length, .alphabet, .checksum] {
            XCTAssertFalse("\(refusal)".isEmpty)
            XCTAssertFalse("\(refusal)".contains(fixedKey))
        }
        XCTAssertEqual("\(KeyRefusal.length)", "it is not 42 characters long")
    }

    func testDigestHexReadsBackInEitherCase() throws {
        let digest = try AccessKey.digest(fixedKey).get()
        XCTAssertEqual(KeyDigest(hex: fixedDigest[...]), digest)
        XCTAssertEqual(KeyDigest(hex: fixedDigest.uppercased()[...]), digest)
        XCTAssertNil(KeyDigest(hex: fixedDigest.dropLast()))
        XCTAssertNil(KeyDigest(hex: (fixedDigest + "0")[...]))
        XCTAssertNil(KeyDigest(hex: ("g" + fixedDigest.dropFirst())[...]))
    }

    /// The digest is SHA-256 of the key's text: the standard "abc" vector.
    func testDigestIsSHA256() {
        var abc = Array("abc".utf8)
        let digest = abc.withUnsafeMutableBytes { KeyDigest(hashing: UnsafeRawBufferPointer($0)) }
        XCTAssertEqual(digest.hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

import Foundation
import XCTest

@testable import ProxyCore

/// A slow, independent reading of chatgpt-web.md §2, written from the spec rather than from the code under
/// test: one try at a time, the whole text hashed every time, its own base64 decoder, FNV and SHA3-512, and
/// Foundation's JSON parser for the array.
enum ProofOfWorkReference {
    static func fnvHex(_ bytes: [UInt8]) -> String {
        var h: UInt32 = 2_166_136_261
        for byte in bytes { h = (h ^ UInt32(byte)) &* 16_777_619 }
        h ^= h >> 16
        h = h &* 2_246_822_507
        h ^= h >> 13
        h = h &* 3_266_489_909
        h ^= h >> 16
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    static func sha3Hex(_ bytes: [UInt8]) -> String {
        SHA3.sha3_512(bytes).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func hashHex(_ bytes: [UInt8], _ generation: SentinelGeneration) -> String {
        generation == .c2026 ? fnvHex(bytes) : sha3Hex(bytes)
    }

    /// §2's condition: the digest's first len(difficulty) characters compare <= the difficulty as strings.
    static func passes(_ digest: String, _ difficulty: String) -> Bool {
        String(digest.prefix(difficulty.count)) <= difficulty.lowercased()
    }

    static func base64Decode(_ text: String) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        for group in stride(from: 0, to: chars.count, by: 4) {
            var bits: UInt32 = 0
            var padding = 0
            for char in chars[group..<group + 4] {
                bits <<= 6
                if char == UInt8(ascii: "=") {
                    padding += 1
                } else if let value = alphabet.firstIndex(of: char), padding == 0 {
                    bits |= UInt32(value)
                } else {
                    return nil
                }
            }
            let bytes = [UInt8(bits >> 16 & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits & 0xFF)]
            out += bytes.prefix(3 - padding)
        }
        return out
    }

    /// Checks a proof the way the site would, and returns its decoded array.
    @discardableResult
    static func verify(proof: String, seed: String, difficulty: String, generation: SentinelGeneration,
                       config: SentinelConfig, file: StaticString = #filePath, line: UInt = #line) throws -> [Any] {
        let suffix = generation == .c2026 ? "~S" : ""
        XCTAssertTrue(proof.hasPrefix("gAAAAAB"), proof, file: file, line: line)
        XCTAssertTrue(proof.hasSuffix(suffix), proof, file: file, line: line)
        let base64 = String(proof.dropFirst(7).dropLast(suffix.count))
        let json = try XCTUnwrap(base64Decode(base64), "base64 of \(proof)", file: file, line: line)
        let array = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json)) as? [Any], file: file, line: line)
        XCTAssertEqual(array.count, 25, file: file, line: line)
        let nonce = try XCTUnwrap(array[3] as? Int, "nonce \(array[3])", file: file, line: line)
        let elapsed = try XCTUnwrap(array[9] as? Int, "elapsed \(array[9])", file: file, line: line)
        XCTAssertEqual(array[4] as? String, config.userAgent, file: file, line: line)
        XCTAssertEqual(array[6] as? String, config.buildID, file: file, line: line)
        XCTAssertEqual(array[14] as? String, config.deviceID, file: file, line: line)
        // The bytes are the template's, with only the nonce and the elapsed milliseconds filled in.
        XCTAssertEqual(String(decoding: json, as: UTF8.self), config.json(nonce: nonce, elapsed: Double(elapsed)),
                       file: file, line: line)
        let digest = hashHex(Array(seed.utf8) + Array(base64.utf8), generation)
        XCTAssertTrue(passes(digest, difficulty), "\(digest) > \(difficulty)", file: file, line: line)
        return array
    }
}

/// FIPS 202 Keccak-f[1600] and SHA3-512, constants derived as the standard defines them.
private enum SHA3 {
    static func sha3_512(_ message: [UInt8]) -> [UInt8] {
        let rate = 72
        var padded = message + [0x06]
        while padded.count % rate != 0 { padded.append(0) }
        padded[padded.count - 1] |= 0x80
        var state = [UInt64](repeating: 0, count: 25)
        for block in stride(from: 0, to: padded.count, by: rate) {
            for i in 0..<rate / 8 {
                for b in 0..<8 { state[i] ^= UInt64(padded[block + 8 * i + b]) << (8 * UInt64(b)) }
            }
            permute(&state)
        }
        return (0..<64).map { UInt8(truncatingIfNeeded: state[$0 / 8] >> (8 * UInt64($0 % 8))) }
    }

    /// ρ offsets by lane index x + 5y: ((t+1)(t+2)/2) mod 64 along the path (x, y) → (y, 2x + 3y).
    static let rotations: [UInt64] = {
        var offsets = [UInt64](repeating: 0, count: 25)
        var (x, y) = (1, 0)
        for t in 0..<24 {
            offsets[x + 5 * y] = UInt64((t + 1) * (t + 2) / 2 % 64)
            (x, y) = (y, (2 * x + 3 * y) % 5)
        }
        return offsets
    }()

    /// ι constants from the LFSR x⁸ + x⁶ + x⁵ + x⁴ + 1.
    static let roundConstants: [UInt64] = {
        var lfsr: UInt32 = 1
        func nextBit() -> UInt64 {
            let bit = UInt64(lfsr & 1)
            lfsr <<= 1
            if lfsr & 0x100 != 0 { lfsr ^= 0x171 }
            return bit
        }
        return (0..<24).map { _ in
            var constant: UInt64 = 0
            for j in 0..<7 where nextBit() == 1 { constant |= 1 << ((1 << UInt64(j)) - 1) }
            return constant
        }
    }()

    static func permute(_ a: inout [UInt64]) {
        func rotl(_ v: UInt64, _ n: UInt64) -> UInt64 { n == 0 ? v : v << n | v >> (64 - n) }
        for constant in roundConstants {
            var c = [UInt64](repeating: 0, count: 5)
            for x in 0..<5 {
                for y in 0..<5 { c[x] ^= a[x + 5 * y] }
            }
            for x in 0..<5 {
                let d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1)
                for y in 0..<5 { a[x + 5 * y] ^= d }
            }
            var b = [UInt64](repeating: 0, count: 25)
            for x in 0..<5 {
                for y in 0..<5 { b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], rotations[x + 5 * y]) }
            }
            for x in 0..<5 {
                for y in 0..<5 { a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]) }
            }
            a[0] ^= constant
        }
    }
}

import CTLSShim

/// The SHA-256 of an access key: what the keys file stores instead of the key and what the table is keyed by.
/// Four words rather than an array, so hashing a presented key and looking it up allocate nothing. A plain
/// hash-table lookup is safe here: timing can at most reveal digits of a digest, never of the key behind it.
package struct KeyDigest: Hashable, Sendable {
    private let w0, w1, w2, w3: UInt64

    /// The digest of the key's bytes.
    package init(hashing key: UnsafeRawBufferPointer) {
        var raw = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &raw) { out in
            tlsshim_sha256(key.baseAddress, key.count, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        // Big-endian words keep the digest's byte order, so `hex` reads as any sha256sum does.
        self.init(UInt64(bigEndian: raw.0), UInt64(bigEndian: raw.1), UInt64(bigEndian: raw.2), UInt64(bigEndian: raw.3))
    }

    /// 64 hex digits, either case; nil for anything else.
    package init?(hex: Substring) {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var words = [UInt64](repeating: 0, count: 4)
        for (index, digit) in digits.enumerated() {
            guard let value = HTTPSyntax.hexValue(digit) else { return nil }
            words[index / 16] = words[index / 16] << 4 | UInt64(value)
        }
        self.init(words[0], words[1], words[2], words[3])
    }

    private init(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// Lowercase, as the keys file holds it.
    package var hex: String {
        let bytes = [w0, w1, w2, w3].flatMap { word in (0..<8).reversed().map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        return hexString(bytes)
    }
}

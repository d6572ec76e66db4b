/// Deterministic bytes and a cheap streaming hash, so multi-megabyte bodies can be checked on both sides
/// without keeping copies around.
enum TestPattern {
    /// 251 is prime, so the pattern does not line up with power-of-two buffer sizes and a dropped or
    /// repeated buffer shows up as a hash mismatch.
    static func byte(at index: Int) -> UInt8 { UInt8(truncatingIfNeeded: index % 251) }

    static func bytes(count: Int, startingAt start: Int = 0) -> [UInt8] {
        (0..<count).map { byte(at: start + $0) }
    }
}

/// FNV-1a, 64 bit: order-sensitive and fast enough in debug builds for 10 MB.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        var hash = value
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        value = hash
    }

    static func hash<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var hasher = FNV1a()
        hasher.update(bytes)
        return hasher.value
    }
}

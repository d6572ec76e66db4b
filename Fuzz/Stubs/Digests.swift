// Stands in for Sources/ProxyCore/Fingerprint/Digests.swift, whose SHA-256 and MD5 come from the C TLS shim
// that a fuzz target does not link: the fingerprint code around them is what is fuzzed, and it only
// needs digests of the right length that depend on the text.

enum SHA256 {
    static func hash(_ bytes: [UInt8]) -> [UInt8] { stubDigest(bytes, count: 32) }
}

enum MD5 {
    static func hash(_ bytes: [UInt8]) -> [UInt8] { stubDigest(bytes, count: 16) }
}

private func stubDigest(_ bytes: [UInt8], count: Int) -> [UInt8] {
    var generator = SeededGenerator(seed: UInt64(bytes.count))
    for byte in bytes { generator.state = (generator.state ^ UInt64(byte)) &* 0x0100_0000_01B3 }
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
}

import CZlib

/// Why a presented key was refused before any lookup.
package enum KeyRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    case prefix, length, alphabet, checksum

    package var description: String {
        switch self {
        case .prefix: "it does not start with \(AccessKey.prefix)"
        case .length: "it is not \(AccessKey.length) characters long"
        case .alphabet: "it has a character other than a letter or digit after \(AccessKey.prefix)"
        case .checksum: "its checksum does not match (mistyped or cut short)"
        }
    }
}

/// proxyd's access keys, in the spirit of GitHub's token format: `pxd_`, 32 random base62 digits (190 bits), then
/// the CRC32 of those 32 digits in 6 base62 digits. The prefix makes a leaked key easy to find (grep, secret
/// scanners); the checksum lets a mistyped or made-up key be refused without looking anything up.
package enum AccessKey {
    package static let prefix = "pxd_"
    static let randomLength = 32
    static let checksumLength = 6
    package static let length = prefix.utf8.count + randomLength + checksumLength

    /// A new key; the caller shows it once and keeps only its digest.
    package static func generate() -> String {
        let random = Base62.random(count: randomLength)
        return String(decoding: Array(prefix.utf8) + random + Base62.digits(checksum(random), width: checksumLength),
                      as: UTF8.self)
    }

    /// The key's digest, or why it is malformed; reads the bytes in place and allocates nothing, so a request's
    /// header value can be checked where it lies.
    package static func digest(_ key: UnsafeRawBufferPointer) -> Result<KeyDigest, KeyRefusal> {
        let prefixLength = prefix.utf8.count
        guard key.count >= prefixLength, prefix.utf8.elementsEqual(key[..<prefixLength]) else { return .failure(.prefix) }
        guard key.count == length else { return .failure(.length) }
        var presented: UInt64 = 0
        for (index, byte) in key[prefixLength...].enumerated() {
            guard let value = Base62.value(byte) else { return .failure(.alphabet) }
            if index >= randomLength { presented = presented * 62 + value }
        }
        let random = UnsafeRawBufferPointer(rebasing: key[prefixLength..<(prefixLength + randomLength)])
        guard presented == UInt64(checksum(random)) else { return .failure(.checksum) }
        return .success(KeyDigest(hashing: key))
    }

    package static func digest(_ key: String) -> Result<KeyDigest, KeyRefusal> {
        var key = key
        return key.withUTF8 { digest(UnsafeRawBufferPointer($0)) }
    }

    private static func checksum(_ digits: [UInt8]) -> UInt32 {
        digits.withUnsafeBytes(checksum)
    }

    private static func checksum(_ digits: UnsafeRawBufferPointer) -> UInt32 {
        UInt32(truncatingIfNeeded: crc32(0, digits.baseAddress?.assumingMemoryBound(to: UInt8.self), uInt(digits.count)))
    }
}

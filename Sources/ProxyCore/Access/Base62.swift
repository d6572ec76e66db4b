/// The letters of access keys and key ids: digits and ASCII letters only, so a key survives copying from a
/// terminal, a URL or a YAML file, and a whole key is selected by a double click.
enum Base62 {
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// The digit's value, 0 to 61; nil for any other byte.
    static func value(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt64(byte - UInt8(ascii: "A")) + 10
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt64(byte - UInt8(ascii: "a")) + 36
        default: return nil
        }
    }

    /// `value` in exactly `width` digits, most significant first, zero-padded; the caller picks a width that
    /// holds every value (62^6 > 2^32).
    static func digits(_ value: UInt32, width: Int) -> [UInt8] {
        var rest = UInt64(value)
        var written = [UInt8](repeating: alphabet[0], count: width)
        for position in stride(from: width - 1, through: 0, by: -1) {
            written[position] = alphabet[Int(rest % 62)]
            rest /= 62
        }
        return written
    }

    /// `count` uniformly random digits, each carrying log2(62) ≈ 5.95 bits: `random(in:)` is unbiased, and
    /// Swift's system generator reads the kernel's, getrandom(2), on Linux.
    static func random(count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
    }
}

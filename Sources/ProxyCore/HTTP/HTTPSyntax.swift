import Glibc

/// Byte-level grammar shared by the request and response head parsers (RFC 9110 section 5.6, RFC 9112).
enum HTTPSyntax {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let comma: UInt8 = 0x2C

    /// tchar (RFC 9110 section 5.6.2) as two 64-bit sets, one bit per ASCII byte: a shift and a mask
    /// instead of a chain of range comparisons for every byte of every field name.
    @inline(__always)
    static func isTokenChar(_ b: UInt8) -> Bool {
        let below64: UInt64 = 0x03FF_6CFA_0000_0000
        let from64: UInt64 = 0x57FF_FFFF_C7FF_FFFE
        let set = b < 64 ? below64 : b < 128 ? from64 : 0
        return (set &>> UInt64(b & 63)) & 1 != 0
    }

    static func isWhitespace(_ b: UInt8) -> Bool { b == sp || b == htab }

    /// The lowercase hex digit for the low four bits of `value`.
    @inline(__always)
    static func hexDigit(_ value: Int) -> UInt8 {
        let nibble = UInt8(truncatingIfNeeded: value & 0xF)
        return nibble < 10 ? 0x30 + nibble : 0x61 - 10 + nibble
    }

    /// A hex digit's value, either case (chunk sizes, percent-encoding, character references).
    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    static func isToken<S: Sequence>(_ bytes: S) -> Bool where S.Element == UInt8 {
        var empty = true
        for b in bytes {
            guard isTokenChar(b) else { return false }
            empty = false
        }
        return !empty
    }

    /// ASCII case-insensitive equality with a lowercase literal.
    static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ lowercased: StaticString) -> Bool {
        equalsLowercase(bytes, UnsafeRawBufferPointer(start: lowercased.utf8Start, count: lowercased.utf8CodeUnitCount))
    }

    static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ lowercased: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count == lowercased.count else { return false }
        for k in 0..<bytes.count where foldCase(bytes[k]) != lowercased[k] { return false }
        return true
    }

    /// ASCII case-insensitive equality of two byte strings.
    static func equalsIgnoringCase(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        for k in 0..<a.count where foldCase(a[k]) != foldCase(b[k]) { return false }
        return true
    }

    @inline(__always)
    static func foldCase(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }

    /// Calls `body` with each element of a comma-separated field value (RFC 9110 section 5.6.1), trimmed of
    /// whitespace, empty ones included, in order, until it returns false. Scans bytes and allocates nothing.
    static func forEachListElement(_ value: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Bool) {
        var start = 0
        for i in 0...value.count where i == value.count || value[i] == comma {
            if !body(trimmed(UnsafeRawBufferPointer(rebasing: value[start..<i]))) { return }
            start = i + 1
        }
    }

    /// Without leading and trailing spaces and tabs (OWS).
    static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var first = 0, end = bytes.count
        while first < end, isWhitespace(bytes[first]) { first += 1 }
        while end > first, isWhitespace(bytes[end - 1]) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[first..<end])
    }

    static func forEachListElement(_ value: String, _ body: (UnsafeRawBufferPointer) -> Bool) {
        var value = value
        value.withUTF8 { forEachListElement(UnsafeRawBufferPointer($0), body) }
    }

    /// A non-empty run of ASCII digits; nil on anything else or on overflow, so input cannot trap.
    static func parseDecimal<Digits: Collection>(_ digits: Digits) -> UInt64? where Digits.Element == UInt8 {
        guard !digits.isEmpty else { return nil }
        var n: UInt64 = 0
        for b in digits {
            guard b >= 0x30, b <= 0x39 else { return nil }
            let (times10, o1) = n.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(b - 0x30))
            guard !o1, !o2 else { return nil }
            n = sum
        }
        return n
    }

    static func string(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Whether `bytes[range]` is exactly `literal` (ASCII, case-sensitive).
    static func matches(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let lit = literal.utf8Start
        for k in 0..<range.count where bytes[range.lowerBound + k] != lit[k] { return false }
        return true
    }

    /// Index of the first LF at or after `from` and before `end`. memchr compares a vector of bytes per step,
    /// and finding line ends is most of the work of reading a head.
    static func firstLF(_ bytes: UnsafeRawBufferPointer, from: Int, end: Int) -> Int? {
        guard from < end, let base = bytes.baseAddress, let hit = memchr(base + from, Int32(lf), end - from) else {
            return nil
        }
        return base.distance(to: UnsafeRawPointer(hit))
    }

    /// What the Connection fields say, as a token list (RFC 9110 section 7.6.1).
    struct ConnectionOptions {
        var close = false
        var keepAlive = false

        mutating func add(_ value: UnsafeRawBufferPointer) {
            HTTPSyntax.forEachListElement(value) { option in
                if HTTPSyntax.equalsLowercase(option, "close") { close = true }
                if HTTPSyntax.equalsLowercase(option, "keep-alive") { keepAlive = true }
                return true
            }
        }

        mutating func add(_ value: String) {
            var value = value
            value.withUTF8 { add(UnsafeRawBufferPointer($0)) }
        }

        /// HTTP/1.1 persists unless closed; HTTP/1.0 only when asked to (RFC 9112 section 9.3).
        func persists(minorVersion: Int) -> Bool {
            if close { return false }
            return minorVersion >= 1 || keepAlive
        }
    }
}

/// Byte-level grammar shared by the request and response head parsers (RFC 9110 section 5.6, RFC 9112).
enum HTTPSyntax {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A

    static func isTokenChar(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A:
            return true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E:
            return true
        default:
            return false
        }
    }

    static func isWhitespace(_ b: UInt8) -> Bool { b == sp || b == htab }

    static func isToken<S: Sequence>(_ bytes: S) -> Bool where S.Element == UInt8 {
        var empty = true
        for b in bytes {
            guard isTokenChar(b) else { return false }
            empty = false
        }
        return !empty
    }

    /// ASCII case-insensitive equality with a lowercase literal.
    static func equalsLowercase(_ s: Substring, _ lowercased: String) -> Bool {
        s.utf8.count == lowercased.utf8.count
            && zip(s.utf8, lowercased.utf8).allSatisfy { a, b in a == b || (a | 0x20) == b && a >= 0x41 && a <= 0x5A }
    }

    static func trimmingWhitespace(_ s: Substring) -> Substring {
        let u = s.utf8
        guard let first = u.firstIndex(where: { !isWhitespace($0) }),
              let last = u.lastIndex(where: { !isWhitespace($0) }) else { return s[s.endIndex...] }
        return s[first...last]
    }

    /// The elements of a comma-separated field value (RFC 9110 section 5.6.1), each trimmed of whitespace.
    static func listElements(_ value: String) -> [Substring] {
        value.split(separator: ",", omittingEmptySubsequences: false).map(trimmingWhitespace)
    }

    /// A non-empty run of ASCII digits; nil on anything else or on overflow, so input cannot trap.
    static func parseDecimal(_ s: Substring) -> UInt64? {
        guard !s.utf8.isEmpty else { return nil }
        var n: UInt64 = 0
        for b in s.utf8 {
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

    /// Index of the first LF at or after `from` and before `end`.
    static func firstLF(_ bytes: UnsafeRawBufferPointer, from: Int, end: Int) -> Int? {
        var i = from
        while i < end {
            if bytes[i] == lf { return i }
            i += 1
        }
        return nil
    }

    /// What the Connection fields say, as a token list (RFC 9110 section 7.6.1).
    struct ConnectionOptions {
        var close = false
        var keepAlive = false

        mutating func add(_ value: String) {
            for option in HTTPSyntax.listElements(value) {
                if HTTPSyntax.equalsLowercase(option, "close") { close = true }
                if HTTPSyntax.equalsLowercase(option, "keep-alive") { keepAlive = true }
            }
        }

        /// HTTP/1.1 persists unless closed; HTTP/1.0 only when asked to (RFC 9112 section 9.3).
        func persists(minorVersion: Int) -> Bool {
            if close { return false }
            return minorVersion >= 1 || keepAlive
        }
    }
}

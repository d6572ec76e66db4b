/// Refuses paths that could leave their route's prefix once the upstream normalizes them: dot segments,
/// also percent-encoded (`%2e%2e`), and encoded or backslash separators (`%2f`, `%5c`, `\`).
enum PathSafety {
    static func check(_ bytes: UnsafeRawBufferPointer) -> ProxyError? {
        var segmentStart = 0
        var i = 0
        while i <= bytes.count {
            if i == bytes.count || bytes[i] == UInt8(ascii: "/") {
                if isDotSegment(bytes, segmentStart..<i) {
                    return ProxyError(400, "invalid request path: dot segments are not allowed")
                }
                segmentStart = i + 1
            } else if bytes[i] == UInt8(ascii: "\\") || isEncodedSeparator(bytes, at: i) {
                return ProxyError(400, "invalid request path: encoded or backslash separators are not allowed")
            }
            i += 1
        }
        return nil
    }

    private static func isEncodedSeparator(_ bytes: UnsafeRawBufferPointer, at i: Int) -> Bool {
        guard bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count else { return false }
        let hi = bytes[i + 1], lo = bytes[i + 2] | 0x20
        return (hi == UInt8(ascii: "2") && lo == UInt8(ascii: "f")) || (hi == UInt8(ascii: "5") && lo == UInt8(ascii: "c"))
    }

    /// "." or "..", each dot written plainly or as %2e.
    private static func isDotSegment(_ bytes: UnsafeRawBufferPointer, _ segment: Range<Int>) -> Bool {
        var dots = 0
        var i = segment.lowerBound
        while i < segment.upperBound {
            if bytes[i] == UInt8(ascii: ".") {
                i += 1
            } else if bytes[i] == UInt8(ascii: "%"), i + 2 < segment.upperBound,
                      bytes[i + 1] == UInt8(ascii: "2"), bytes[i + 2] | 0x20 == UInt8(ascii: "e") {
                i += 3
            } else {
                return false
            }
            dots += 1
        }
        return dots == 1 || dots == 2
    }
}

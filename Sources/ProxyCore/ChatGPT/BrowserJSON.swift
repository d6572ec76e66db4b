/// JSON text exactly as a browser's `JSON.stringify` writes it, for the sentinel's config array: the site
/// hashes the text, so a proof is only accepted when every byte is what the browser would have produced.
enum BrowserJSON {
    /// A JSON string: `"` and `\` escaped, control characters as `\n`-style escapes or `\u00xx`, everything
    /// else (`/`, non-ASCII, U+2028) as is, in UTF-8.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case 0x08: out += Array(#"\b"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0C: out += Array(#"\f"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func appendInteger(_ value: Int, to out: inout [UInt8]) {
        out += Array(String(value).utf8)
    }

    /// A number as JavaScript's `Number.prototype.toString` writes it (ECMA-262 Number::toString): the
    /// shortest digits that read back as the same double, plain from 1e-6 up to 1e21 (`12345.6`, `0.00001`,
    /// `3` for 3.0), exponent form outside (`1e+21`, `1.5e-7`). JSON writes NaN and the infinities as `null`.
    static func appendNumber(_ value: Double, to out: inout [UInt8]) {
        guard value.isFinite else {
            out += Array("null".utf8)
            return
        }
        // -0 prints as 0 in JavaScript.
        guard value != 0 else {
            out.append(UInt8(ascii: "0"))
            return
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        let (digits, n) = shortestDigits(value.magnitude)
        let k = digits.count
        let zero = UInt8(ascii: "0")
        if k <= n && n <= 21 {
            out += digits + Array(repeating: zero, count: n - k)
        } else if 0 < n && n <= 21 {
            out += digits[..<n] + [UInt8(ascii: ".")] + digits[n...]
        } else if -6 < n && n <= 0 {
            out += [zero, UInt8(ascii: ".")] + Array(repeating: zero, count: -n) + digits
        } else {
            out.append(digits[0])
            if k > 1 { out += [UInt8(ascii: ".")] + digits[1...] }
            out += Array("e\(n - 1 < 0 ? "-" : "+")\((n - 1).magnitude)".utf8)
        }
    }

    /// The shortest round-trip digits of a positive finite value, without leading or trailing zeros, and
    /// n such that the value is 0.d₁d₂… × 10ⁿ. Swift's `description` already picks the same digits as
    /// JavaScript (the shortest that read back, the closest of those); only its layout differs
    /// (`1.0`, `1e-05`, `1e+16`), so it is taken apart here.
    private static func shortestDigits(_ value: Double) -> (digits: [UInt8], n: Int) {
        let text = Array(value.description.utf8)
        var mantissa = text[...]
        var exponent = 0
        if let e = text.firstIndex(of: UInt8(ascii: "e")) {
            mantissa = text[..<e]
            exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self)) ?? 0
        }
        let point = mantissa.firstIndex(of: UInt8(ascii: ".")) ?? mantissa.endIndex
        var digits = Array(mantissa[..<point]) + Array(mantissa[point...].dropFirst())
        var n = (point - mantissa.startIndex) + exponent
        while digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            n -= 1
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, n)
    }
}

/// `application/x-www-form-urlencoded` bodies and query strings, fields in the caller's order.
package enum FormEncoding {
    /// `name=value&...`. Letters, digits, `-._~` and `/` stay as they are (the spec's
    /// `callbackUrl=/` is sent byte for byte), a space becomes `+`, every other byte `%XX`.
    package static func encode(_ fields: [(String, String)]) -> [UInt8] {
        joined(fields, spaceAsPlus: true)
    }

    /// A query string; spaces as `%20`, which every server reads as a space (not all read `+` so in a URL).
    package static func query(_ fields: [(String, String)]) -> String {
        String(decoding: joined(fields, spaceAsPlus: false), as: UTF8.self)
    }

    private static func joined(_ fields: [(String, String)], spaceAsPlus: Bool) -> [UInt8] {
        var out: [UInt8] = []
        for (index, (name, value)) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            append(name, spaceAsPlus: spaceAsPlus, to: &out)
            out.append(UInt8(ascii: "="))
            append(value, spaceAsPlus: spaceAsPlus, to: &out)
        }
        return out
    }

    private static func append(_ text: String, spaceAsPlus: Bool, to out: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.append(byte)
            case UInt8(ascii: " ") where spaceAsPlus:
                out.append(UInt8(ascii: "+"))
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
    }

    /// Percent-decodes a form or query component; `+` is a space; malformed escapes stay literal.
    package static func decode<S: StringProtocol>(_ text: S) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = HTTPSyntax.hexValue(bytes[index + 1]), let low = HTTPSyntax.hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
                continue
            }
            out.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

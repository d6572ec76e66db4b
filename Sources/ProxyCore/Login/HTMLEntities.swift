/// Character references in HTML text and attribute values: the named ones login pages use and
/// every numeric one. Unknown or malformed references stay as written, as browsers leave them.
enum HTMLEntities {
    private static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "#39": "'",
    ]

    static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.contains(UInt8(ascii: "&")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "&"),
               let semicolon = bytes[index..<min(index + 12, bytes.endIndex)].firstIndex(of: UInt8(ascii: ";")),
               let text = reference(bytes[(index + 1)..<semicolon]) {
                out.append(contentsOf: text.utf8)
                index = semicolon + 1
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The text of `name` in `&name;`, or nil when it is not a reference.
    private static func reference(_ name: ArraySlice<UInt8>) -> String? {
        guard name.first == UInt8(ascii: "#") else { return named[String(decoding: name, as: UTF8.self)] }
        let isHex = name.dropFirst().first.map { $0 | 0x20 } == UInt8(ascii: "x")
        let digits = name.dropFirst(isHex ? 2 : 1)
        guard !digits.isEmpty, digits.count <= 8 else { return nil }
        var value: UInt32 = 0
        for byte in digits {
            let digit: UInt8?
            if isHex {
                digit = HTTPSyntax.hexValue(byte)
            } else {
                digit = byte >= 0x30 && byte <= 0x39 ? byte - 0x30 : nil
            }
            guard let digit else { return nil }
            value = value * (isHex ? 16 : 10) + UInt32(digit)
        }
        // NUL, surrogates and values past U+10FFFF read as the replacement character in HTML.
        return String(Character(Unicode.Scalar(value).flatMap { $0.value == 0 ? nil : $0 } ?? "\u{FFFD}"))
    }
}

/// A JSON value (RFC 8259) as read by `JSONObjectReader`: numbers keep their text, objects their
/// member order (duplicates included; lookups take the last, as most parsers do).
/// Not `indirect`: arrays already hold their elements out of line, and an unboxed payload lets the answer
/// document (Imitate/JSONValueEdit) edit a string or array in place instead of copying it on every delta.
package enum JSONValue {
    case object([(name: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// The number's text as sent.
    case number(String)
    case bool(Bool)
    case null

    /// The member of an object; nil for a missing member or a value that is no object.
    package subscript(_ name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.name == name }?.value
    }

    package var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    package var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    package var number: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }

    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    var isEmptyArray: Bool {
        if case .array(let elements) = self { return elements.isEmpty }
        return false
    }

    /// The element of an array; nil for a missing element or a value that is no array.
    package func element(_ index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// The message of the site's `error` member: a string, or an object's `message`.
    var siteErrorMessage: String {
        string ?? self["message"]?.string ?? "an error without a message"
    }
}

/// Reads JSON (RFC 8259) without Foundation: the whole text is validated, strings are unescaped
/// (surrogate pairs included), nesting is bounded. Enough for the flows' answers (`csrfToken`, `url`,
/// `access_token`, `detail`), the login body and the sentinel handshake's answers.
struct JSONObjectReader {
    /// Nesting deeper than this is refused rather than tracked.
    static let maxDepth = 128

    /// The whole text as one value; nil when it is not JSON.
    static func value(_ bytes: [UInt8]) -> JSONValue? {
        read(bytes, keepDepth: .max)
    }

    /// The whole text validated, with the values nested deeper than `keepDepth` (1: the top level's members are
    /// kept, what they hold is not) checked but not kept (`.null`): a client's body of megabytes costs no tree.
    static func shallowValue(_ bytes: [UInt8], keepDepth: Int) -> JSONValue? {
        read(bytes, keepDepth: keepDepth)
    }

    private static func read(_ bytes: [UInt8], keepDepth: Int) -> JSONValue? {
        var reader = JSONObjectReader(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.index = 3 }
        guard let value = reader.value(depth: 0, keepDepth: keepDepth) else { return nil }
        reader.skipWhitespace()
        return reader.index == bytes.count ? value : nil
    }

    /// The top-level members whose values are strings, in order; nil when the text is not one JSON object.
    static func strings(_ bytes: [UInt8]) -> [(name: String, value: String)]? {
        guard case .object(let members)? = value(bytes) else { return nil }
        return members.compactMap { member in member.value.string.map { (member.name, $0) } }
    }

    /// The last top-level string member of this name (duplicates: the last wins, as in most parsers).
    static func string(_ name: String, in bytes: [UInt8]) -> String? {
        strings(bytes)?.last { $0.name == name }?.value
    }

    private let bytes: [UInt8]
    private var index = 0

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard current == byte else { return false }
        index += 1
        return true
    }

    /// `"name" :`
    private mutating func memberName() -> String? {
        skipWhitespace()
        guard current == UInt8(ascii: "\""), let name = string(), consume(UInt8(ascii: ":")) else { return nil }
        return name
    }

    /// One value; below `keepDepth` it is only checked, and `.null` stands for it.
    private mutating func value(depth: Int, keepDepth: Int) -> JSONValue? {
        skipWhitespace()
        guard let byte = current else { return nil }
        let keep = depth <= keepDepth
        // Members and elements are collected only when they are kept themselves.
        let keepChildren = depth < keepDepth
        switch byte {
        case UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { return nil }
            index += 1
            var members: [(name: String, value: JSONValue)] = []
            if !consume(UInt8(ascii: "}")) {
                repeat {
                    guard let name = memberName(), let member = value(depth: depth + 1, keepDepth: keepDepth) else {
                        return nil
                    }
                    if keepChildren { members.append((name, member)) }
                } while consume(UInt8(ascii: ","))
                guard consume(UInt8(ascii: "}")) else { return nil }
            }
            return keep ? .object(members) : .null
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { return nil }
            index += 1
            var elements: [JSONValue] = []
            if !consume(UInt8(ascii: "]")) {
                repeat {
                    guard let element = value(depth: depth + 1, keepDepth: keepDepth) else { return nil }
                    if keepChildren { elements.append(element) }
                } while consume(UInt8(ascii: ","))
                guard consume(UInt8(ascii: "]")) else { return nil }
            }
            return keep ? .array(elements) : .null
        case UInt8(ascii: "\""):
            guard let text = string() else { return nil }
            return keep ? .string(text) : .null
        case UInt8(ascii: "t"):
            return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"):
            return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"):
            return literal("null") ? .null : nil
        default:
            let start = index
            guard number() else { return nil }
            return keep ? .number(String(decoding: bytes[start..<index], as: UTF8.self)) : .null
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let matches = word.withUTF8Buffer { $0.elementsEqual(bytes[index..<(index + count)]) }
        if matches { index += count }
        return matches
    }

    private mutating func digits() -> Int {
        let start = index
        while let byte = current, byte >= 0x30 && byte <= 0x39 { index += 1 }
        return index - start
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() -> Bool {
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return false
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return false }
        }
        return true
    }

    /// At the opening quote; invalid UTF-8 and lone surrogates become U+FFFD rather than failing.
    private mutating func string() -> String? {
        index += 1
        var out: [UInt8] = []
        while let byte = current {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = current else { return nil }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    out.append(contentsOf: String(Character(scalar)).utf8)
                default:
                    return nil
                }
            case 0x00..<0x20:
                return nil
            default:
                out.append(byte)
            }
        }
        return nil
    }

    /// After `\u`: four hex digits, joined with a following `\uDC00`-`\uDFFF` when they are a high surrogate.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let unit = hex4() else { return nil }
        let replacement: Unicode.Scalar = "\u{FFFD}"
        switch unit {
        case 0xD800...0xDBFF:
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { return replacement }
            let mark = index
            index += 2
            guard let low = hex4() else { return nil }
            guard (0xDC00...0xDFFF).contains(low) else {
                index = mark
                return replacement
            }
            return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)) ?? replacement
        case 0xDC00...0xDFFF:
            return replacement
        default:
            return Unicode.Scalar(unit) ?? replacement
        }
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[index..<(index + 4)] {
            guard let digit = HTTPSyntax.hexValue(byte) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }
}

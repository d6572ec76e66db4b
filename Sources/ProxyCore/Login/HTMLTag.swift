/// One start or end tag found by `HTMLTag.scan`: enough HTML tokenizing to read login pages
/// (attributes in any order, quoted with `'` or `"` or not at all, comments and scripts skipped).
struct HTMLTag {
    /// Lowercase.
    var name: String
    var isEnd: Bool
    var isSelfClosing: Bool
    /// Names lowercase, values with character references decoded.
    var attributes: [(name: String, value: String)]
    /// From `<` to just after `>`.
    var range: Range<Int>

    func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// Calls `body` with each tag from `start` on until it returns false.
    static func scan(_ bytes: [UInt8], from start: Int = 0, _ body: (HTMLTag) -> Bool) {
        var index = start
        while let open = bytes[min(index, bytes.count)...].firstIndex(of: UInt8(ascii: "<")) {
            if bytes[(open + 1)...].starts(with: "!--".utf8) {
                index = end(of: "-->", in: bytes, from: open + 4)
                continue
            }
            guard let tag = parse(bytes, at: open) else {
                // A tag that runs to the end of the page has every later `<` inside it: stopping here keeps a
                // page of unclosed tags from costing a pass to its end per `<`.
                if nameStart(bytes, at: open) != nil { return }
                index = open + 1
                continue
            }
            guard body(tag) else { return }
            index = tag.range.upperBound
            if !tag.isEnd && (tag.name == "script" || tag.name == "style") {
                index = skipRawText(bytes, from: index, name: tag.name)
            }
        }
    }

    /// Just past the next `marker`, or the end of the bytes.
    private static func end(of marker: String, in bytes: [UInt8], from start: Int) -> Int {
        let marker = Array(marker.utf8)
        var index = start
        while index + marker.count <= bytes.count {
            if bytes[index..<(index + marker.count)].elementsEqual(marker) { return index + marker.count }
            index += 1
        }
        return bytes.count
    }

    /// A script's or style's content is text even where it looks like tags.
    private static func skipRawText(_ bytes: [UInt8], from start: Int, name: String) -> Int {
        var index = start
        while true {
            let after = end(of: "</", in: bytes, from: index)
            guard after < bytes.count else { return bytes.count }
            let candidate = bytes[after..<min(after + name.utf8.count, bytes.count)].map { $0 | 0x20 }
            if candidate.elementsEqual(name.utf8) { return after - 2 }
            index = after
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

    /// Where the tag name starts when the `<` at `open` starts a tag (a letter, or `/` and a letter).
    private static func nameStart(_ bytes: [UInt8], at open: Int) -> Int? {
        var index = open + 1
        if index < bytes.count && bytes[index] == UInt8(ascii: "/") { index += 1 }
        return index < bytes.count && isLetter(bytes[index]) ? index : nil
    }

    /// A tag at `open` (the `<`), or nil when the `<` starts no tag or the tag never closes.
    private static func parse(_ bytes: [UInt8], at open: Int) -> HTMLTag? {
        guard let nameStart = nameStart(bytes, at: open) else { return nil }
        let isEnd = bytes[open + 1] == UInt8(ascii: "/")
        var index = nameStart
        while index < bytes.count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: ">"),
              bytes[index] != UInt8(ascii: "/") { index += 1 }
        let name = String(decoding: bytes[nameStart..<index].map { isLetter($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
        var attributes: [(name: String, value: String)] = []
        var selfClosing = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ">") {
                return HTMLTag(name: name, isEnd: isEnd, isSelfClosing: selfClosing, attributes: attributes,
                               range: open..<(index + 1))
            }
            if isSpace(byte) || byte == UInt8(ascii: "/") {
                selfClosing = byte == UInt8(ascii: "/")
                index += 1
                continue
            }
            selfClosing = false
            let attributeStart = index
            while index < bytes.count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: "="),
                  bytes[index] != UInt8(ascii: ">"), index == attributeStart || bytes[index] != UInt8(ascii: "/") {
                index += 1
            }
            let attributeName = String(decoding: bytes[attributeStart..<index], as: UTF8.self).lowercased()
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            var value = ""
            if index < bytes.count, bytes[index] == UInt8(ascii: "=") {
                index += 1
                while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                let range: Range<Int>
                if index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") {
                    let quote = bytes[index]
                    let close = bytes[(index + 1)...].firstIndex(of: quote) ?? bytes.count
                    range = (index + 1)..<close
                    index = min(close + 1, bytes.count)
                } else {
                    let valueStart = index
                    while index < bytes.count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: ">") { index += 1 }
                    range = valueStart..<index
                }
                value = HTMLEntities.decode(bytes[range])
            }
            attributes.append((attributeName, value))
        }
        return nil
    }
}

/// What the login flows read from auth0's pages: a form input's value and an element's text.
enum HTMLScan {
    /// The `value` of the first `<input>` whose `name` is `name`.
    static func inputValue(named name: String, in bytes: [UInt8]) -> String? {
        var found: String?
        HTMLTag.scan(bytes) { tag in
            if !tag.isEnd, tag.name == "input", tag.attribute("name") == name {
                found = tag.attribute("value") ?? ""
            }
            return found == nil
        }
        return found
    }

    /// An attribute of the first element named `element`: the build id of chatgpt.com's `<html data-build>`.
    static func attribute(_ name: String, ofFirst element: String, in bytes: [UInt8]) -> String? {
        var found: String?
        HTMLTag.scan(bytes) { tag in
            guard !tag.isEnd, tag.name == element else { return true }
            found = tag.attribute(name)
            return false
        }
        return found
    }

    /// The text inside the element with this `id`: tags stripped, references decoded, runs of
    /// whitespace made one space, trimmed. Nil when no element has the id.
    static func elementText(id: String, in bytes: [UInt8]) -> String? {
        var element: HTMLTag?
        HTMLTag.scan(bytes) { tag in
            if !tag.isEnd, tag.attribute("id") == id { element = tag }
            return element == nil
        }
        guard let element else { return nil }
        if element.isSelfClosing || voidElements.contains(element.name) { return "" }
        var depth = 1
        var end = bytes.count
        var textRanges: [Range<Int>] = []
        var textStart = element.range.upperBound
        HTMLTag.scan(bytes, from: element.range.upperBound) { tag in
            textRanges.append(textStart..<tag.range.lowerBound)
            textStart = tag.range.upperBound
            if tag.name == element.name && !tag.isSelfClosing {
                depth += tag.isEnd ? -1 : 1
            }
            if depth == 0 { end = tag.range.lowerBound }
            return depth > 0
        }
        if depth > 0 { textRanges.append(textStart..<end) }
        // Pieces join without spaces, as the DOM's textContent joins them.
        let text = textRanges.map { HTMLEntities.decode(bytes[$0]) }.joined()
        return text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    private static let voidElements: Set<String> = ["input", "br", "img", "hr", "meta", "link"]
}

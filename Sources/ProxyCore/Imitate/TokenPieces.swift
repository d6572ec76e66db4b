/// o200k_base's pre-tokenizer: the pieces its split pattern (tiktoken's `pat_str`) cuts UTF-8 text into
/// before byte-pair merging, written out by hand since proxyd carries no regex engine. The alternatives, tried
/// in order at each position, the first that matches winning (leftmost-first, as tiktoken's fancy-regex):
///
///     1  [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
///     2  [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
///     3  \p{N}{1,3}
///     4   ?[^\s\p{L}\p{N}]+[\r\n/]*
///     5  \s*[\r\n]+
///     6  \s+(?!\S)
///     7  \s+
///
/// Every position matches one of them with at least one character, so the pieces tile the text.
///
/// For text that is still arriving a piece is settled only if finding it never looked at the end of the
/// bytes so far: then more text cannot change it (the matcher below reads exactly the characters its
/// result depends on, and notes when it reached the end).
struct TokenPieces {
    private let text: UnsafeBufferPointer<UInt8>
    private var sawEnd = false

    /// The end of the piece that starts at `start` (< text.count). When the text may go on (`final` false),
    /// nil if that piece could still change.
    static func end(of text: UnsafeBufferPointer<UInt8>, from start: Int, final: Bool) -> Int? {
        var matcher = TokenPieces(text: text)
        let end = matcher.piece(at: start)
        return final || !matcher.sawEnd ? end : nil
    }

    private init(text: UnsafeBufferPointer<UInt8>) {
        self.text = text
    }

    private mutating func piece(at start: Int) -> Int {
        let first = character(at: start)!
        if let end = letters(at: start, first) { return contraction(at: end) }
        if first.kind.contains(.number) { return digits(after: first.next) }
        if let end = punctuation(at: start, first) { return end }
        return whitespace(at: start)
    }

    /// Alternatives 1 and 2 without their contraction: 1 with its optional first character, 1 without it,
    /// then the same for 2.
    private mutating func letters(at start: Int, _ first: Scalar) -> Int? {
        let prefixed = first.kind.isDisjoint(with: [.newline, .letter, .number])
        if prefixed, let end = casedRun(at: first.next) { return end }
        if first.kind.contains(.upper) || first.kind.contains(.lower), let end = casedRun(at: start) { return end }
        if prefixed, let end = upperRun(at: first.next) { return end }
        return first.kind.contains(.upper) ? upperRun(at: start) : nil
    }

    /// `[upper]*[lower]+`. When no lower-class character follows the upper-class run, the regex gives back
    /// characters of the run until its last one that is also lower-class (Lm, Lo, marks), and ends there.
    private mutating func casedRun(at start: Int) -> Int? {
        var position = start
        var afterLastLower: Int?
        while let next = character(at: position), next.kind.contains(.upper) {
            if next.kind.contains(.lower) { afterLastLower = next.next }
            position = next.next
        }
        let lowerStart = position
        while let next = character(at: position), next.kind.contains(.lower) { position = next.next }
        return position > lowerStart ? position : afterLastLower
    }

    /// `[upper]+[lower]*`.
    private mutating func upperRun(at start: Int) -> Int? {
        var position = start
        while let next = character(at: position), next.kind.contains(.upper) { position = next.next }
        guard position > start else { return nil }
        while let next = character(at: position), next.kind.contains(.lower) { position = next.next }
        return position
    }

    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)?` after a letter piece. Case-insensitive as Rust's regex is, with Unicode
    /// simple case folding: `s` also matches U+017F LATIN SMALL LETTER LONG S.
    private mutating func contraction(at end: Int) -> Int {
        guard let apostrophe = character(at: end), text[end] == UInt8(ascii: "'"),
              let letter = character(at: apostrophe.next) else { return end }
        let byte = text[apostrophe.next] | 0x20
        switch byte {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            return letter.next
        case UInt8(ascii: "r"), UInt8(ascii: "v"), UInt8(ascii: "l"):
            guard character(at: letter.next) != nil else { return end }
            let second = text[letter.next] | 0x20
            let wanted = byte == UInt8(ascii: "l") ? UInt8(ascii: "l") : UInt8(ascii: "e")
            return second == wanted ? letter.next + 1 : end
        default:
            let longS = letter.next - apostrophe.next == 2 && text[apostrophe.next] == 0xC5 && text[apostrophe.next + 1] == 0xBF
            return longS ? letter.next : end
        }
    }

    /// Alternative 3 after its first digit: at most three.
    private mutating func digits(after second: Int) -> Int {
        var position = second
        for _ in 0..<2 {
            guard let next = character(at: position), next.kind.contains(.number) else { break }
            position = next.next
        }
        return position
    }

    /// Alternative 4: an optional space, a run of what is neither whitespace, letter nor number, then any
    /// carriage returns, line feeds and slashes.
    private mutating func punctuation(at start: Int, _ first: Scalar) -> Int? {
        var position = start
        if text[start] == UInt8(ascii: " ") {
            guard let next = character(at: first.next), next.isPunctuation else { return nil }
            position = first.next
        } else if !first.isPunctuation {
            return nil
        }
        while let next = character(at: position), next.isPunctuation { position = next.next }
        while position < text.count, text[position] == UInt8(ascii: "\r") || text[position] == UInt8(ascii: "\n")
                || text[position] == UInt8(ascii: "/") {
            position += 1
        }
        if position == text.count { sawEnd = true }
        return position
    }

    /// Alternatives 5 to 7, at a whitespace character: through the run's last line break if it has one;
    /// else the whole run at the end of the text; else all but its last character (which goes with what
    /// follows), unless that leaves nothing.
    private mutating func whitespace(at start: Int) -> Int {
        var position = start
        var lastStart = start
        var afterLineBreak: Int?
        while let next = character(at: position), next.kind.contains(.space) {
            if next.kind.contains(.newline) { afterLineBreak = next.next }
            lastStart = position
            position = next.next
        }
        if let afterLineBreak { return afterLineBreak }
        if position == text.count || lastStart == start { return position }
        return lastStart
    }

    /// The character at `position` and where the next begins; nil at the end of the text, which is noted.
    private mutating func character(at position: Int) -> Scalar? {
        guard position < text.count else {
            sawEnd = true
            return nil
        }
        let lead = text[position]
        if lead < 0x80 { return Scalar(kind: PieceKind(ascii: lead), next: position + 1) }
        // Valid UTF-8 (it came from Swift strings): the lead byte gives the length.
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        var value = UInt32(lead) & (0x7F >> length)
        for index in position + 1..<position + length {
            value = value << 6 | UInt32(text[index] & 0x3F)
        }
        return Scalar(kind: PieceKind(Unicode.Scalar(value) ?? "\u{FFFD}"), next: position + length)
    }

    private struct Scalar {
        var kind: PieceKind
        var next: Int

        /// `[^\s\p{L}\p{N}]`.
        var isPunctuation: Bool { kind.isDisjoint(with: [.space, .letter, .number]) }
    }
}

/// The classes the split pattern asks about, per Unicode scalar.
private struct PieceKind: OptionSet {
    var rawValue: UInt8

    /// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`
    static let upper = PieceKind(rawValue: 1)
    /// `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`
    static let lower = PieceKind(rawValue: 2)
    /// `\p{L}`
    static let letter = PieceKind(rawValue: 4)
    /// `\p{N}`
    static let number = PieceKind(rawValue: 8)
    /// `\s`: Unicode White_Space
    static let space = PieceKind(rawValue: 16)
    /// `[\r\n]`
    static let newline = PieceKind(rawValue: 32)

    init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// ASCII without the Unicode tables, the common case.
    init(ascii byte: UInt8) {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): self = [.letter, .lower]
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): self = [.letter, .upper]
        case UInt8(ascii: "0")...UInt8(ascii: "9"): self = .number
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"): self = [.space, .newline]
        case 0x09, 0x0B, 0x0C, 0x20: self = .space
        default: self = []
        }
    }

    init(_ scalar: Unicode.Scalar) {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .titlecaseLetter: self = [.letter, .upper]
        case .lowercaseLetter: self = [.letter, .lower]
        case .modifierLetter, .otherLetter: self = [.letter, .upper, .lower]
        case .nonspacingMark, .spacingMark, .enclosingMark: self = [.upper, .lower]
        case .decimalNumber, .letterNumber, .otherNumber: self = .number
        // White_Space lies only in these categories; asking just here spares letters a second table lookup.
        case .spaceSeparator, .lineSeparator, .paragraphSeparator, .control:
            self = scalar.properties.isWhitespace ? .space : []
        default: self = []
        }
    }
}

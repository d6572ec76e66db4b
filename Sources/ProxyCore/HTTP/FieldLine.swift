/// One `name: value` line of a message head, located in the receive buffer without copying.
struct FieldLine {
    var name: Range<Int>
    /// The value with surrounding whitespace removed (RFC 9112 section 5.1).
    var value: Range<Int>
    /// No obs-text in the value, so it is valid UTF-8 without further checking.
    var valueIsASCII: Bool

    enum Failure: Error, Equatable {
        case emptyName, whitespaceBeforeColon, invalidName, missingColon, nul, bareCR, controlChar

        var message: String {
            switch self {
            case .emptyName: return "empty header name"
            case .whitespaceBeforeColon: return "whitespace between header name and colon"
            case .invalidName: return "invalid character in header name"
            case .missingColon: return "header line without colon"
            case .nul: return "NUL byte in header"
            case .bareCR: return "bare CR in header"
            case .controlChar: return "control character in header value"
            }
        }

        static func classify(_ b: UInt8, otherwise: Failure) -> Failure {
            b == 0 ? .nul : b == HTTPSyntax.cr ? .bareCR : otherwise
        }
    }

    /// `line` excludes the line terminator; a line starting with whitespace (obs-fold) is the caller's decision.
    static func parse(_ b: UnsafeRawBufferPointer, _ line: Range<Int>) -> Result<FieldLine, Failure> {
        var i = line.lowerBound
        while i < line.upperBound, HTTPSyntax.isTokenChar(b[i]) { i += 1 }
        guard i < line.upperBound else { return .failure(.missingColon) }
        let c = b[i]
        guard c == HTTPSyntax.colon else {
            return .failure(HTTPSyntax.isWhitespace(c)
                ? .whitespaceBeforeColon : Failure.classify(c, otherwise: .invalidName))
        }
        guard i > line.lowerBound else { return .failure(.emptyName) }
        var start = i + 1
        var end = line.upperBound
        while start < end, HTTPSyntax.isWhitespace(b[start]) { start += 1 }
        while end > start, HTTPSyntax.isWhitespace(b[end - 1]) { end -= 1 }
        switch scanValue(b, start..<end) {
        case .success(let isASCII):
            return .success(FieldLine(name: line.lowerBound..<i, value: start..<end, valueIsASCII: isASCII))
        case .failure(let failure):
            return .failure(failure)
        }
    }

    /// Field values may hold visible characters, SP, HTAB and obs-text, nothing else (RFC 9110 section 5.5).
    static func checkValue(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> Failure? {
        if case .failure(let failure) = scanValue(b, range) { return failure }
        return nil
    }

    /// `checkValue`, also telling whether the value is all ASCII, in the same pass.
    private static func scanValue(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> Result<Bool, Failure> {
        var seen: UInt8 = 0
        var k = range.lowerBound
        while k < range.upperBound {
            // Eight bytes at once while they are all SP or visible ASCII; any other word is judged byte by byte.
            if k + 8 <= range.upperBound, isPlainASCII(b.loadUnaligned(fromByteOffset: k, as: UInt64.self)) {
                k += 8
                continue
            }
            let wordEnd = min(k + 8, range.upperBound)
            while k < wordEnd {
                let c = b[k]
                if (c < 0x20 && c != HTTPSyntax.htab) || c == 0x7F {
                    return .failure(Failure.classify(c, otherwise: .controlChar))
                }
                seen |= c
                k += 1
            }
        }
        return .success(seen < 0x80)
    }

    /// Whether each of the eight bytes is in 0x20...0x7E (SWAR: borrows mark the bytes out of range).
    static func isPlainASCII(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let below0x20 = word &- ones &* 0x20
        let xorDEL = word ^ (ones &* 0x7F)
        let isDEL = (xorDEL &- ones) & ~xorDEL
        return (word | below0x20 | isDEL) & highBits == 0
    }
}

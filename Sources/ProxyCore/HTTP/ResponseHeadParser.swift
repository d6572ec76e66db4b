/// Parses an upstream's response head. Tolerant of what cannot change the message's meaning (bare LF line
/// endings, an empty reason, obs-fold), strict on everything that decides where the body ends.
/// Stateless like `RequestHeadParser`: pass `scanned` back as `searchFrom`.
package struct ResponseHeadParser: Sendable {
    package enum Result: Equatable, Sendable {
        case incomplete(scanned: Int)
        case complete(ResponseHead, length: Int)
        case invalid(String)
    }

    package var maxHeadBytes: Int

    package init(maxHeadBytes: Int = 65536) {
        self.maxHeadBytes = maxHeadBytes
    }

    package func parse(_ bytes: UnsafeRawBufferPointer, requestMethod: String, searchFrom: Int = 0) -> Result {
        var noSpare: [HTTPField] = []
        return parse(bytes, requestMethod: requestMethod, searchFrom: searchFrom, reusing: &noSpare, strings: nil)
    }

    /// `parse` with a spare field array and a string cache, as `RequestHeadParser.parse(_:searchFrom:reusing:strings:)`.
    package func parse(_ bytes: UnsafeRawBufferPointer, requestMethod: String, searchFrom: Int = 0,
                       reusing spareFields: inout [HTTPField], strings: FieldStringCache?) -> Result {
        let scanEnd = min(bytes.count, maxHeadBytes)
        var from = max(searchFrom, 1)
        while let i = HTTPSyntax.firstLF(bytes, from: from, end: scanEnd) {
            let previous = bytes[i - 1]
            if previous == HTTPSyntax.lf || (previous == HTTPSyntax.cr && i >= 2 && bytes[i - 2] == HTTPSyntax.lf) {
                return parseHead(bytes, length: i + 1, requestMethod: requestMethod, reusing: &spareFields,
                                 strings: strings)
            }
            from = i + 1
        }
        if bytes.count >= maxHeadBytes { return .invalid("response head too large") }
        return .incomplete(scanned: scanEnd)
    }

    private static func bad(_ message: String) -> Result { .invalid("invalid response: " + message) }

    /// `bytes[0..<length]` is a status line and field lines, each ending in LF or CRLF, then an empty line.
    private func parseHead(_ b: UnsafeRawBufferPointer, length: Int, requestMethod: String,
                           reusing spareFields: inout [HTTPField], strings: FieldStringCache?) -> Result {
        var pos = 0
        /// The next line without its terminator, nil at the empty line that ends the head.
        func nextLine() -> Range<Int>? {
            guard pos < length, let lf = HTTPSyntax.firstLF(b, from: pos, end: length) else { return nil }
            let end = lf > pos && b[lf - 1] == HTTPSyntax.cr ? lf - 1 : lf
            if end == pos { return nil }
            defer { pos = lf + 1 }
            return pos..<end
        }
        guard let statusLine = nextLine() else { return Self.bad("empty status line") }
        let status: StatusLine
        switch StatusLine.parse(b, statusLine) {
        case .success(let parsed): status = parsed
        case .failure(let failure): return Self.bad(failure.message)
        }
        var fields: [HTTPField] = []
        swap(&fields, &spareFields)
        fields.reserveCapacity(RequestHeadParser.typicalFieldCount)
        while let line = nextLine() {
            if HTTPSyntax.isWhitespace(b[line.lowerBound]) {
                // RFC 9112 section 5.2: a proxy replaces obs-fold with SP before forwarding.
                guard let last = fields.indices.last else { return Self.bad("header section starts with a folded line") }
                var start = line.lowerBound
                var end = line.upperBound
                while start < end, HTTPSyntax.isWhitespace(b[start]) { start += 1 }
                if let failure = FieldLine.checkValue(b, start..<end) { return Self.bad(failure.message) }
                while end > start, HTTPSyntax.isWhitespace(b[end - 1]) { end -= 1 }
                // One SP joins the parts; a value that was empty gets none, so no value starts with whitespace.
                if start < end {
                    let part = HTTPSyntax.string(b, start..<end)
                    fields[last].value += fields[last].value.isEmpty ? part : " " + part
                }
                continue
            }
            switch FieldLine.parse(b, line) {
            case .success(let f):
                let name = UnsafeRawBufferPointer(rebasing: b[f.name])
                let value = FieldStringCache.value(UnsafeRawBufferPointer(rebasing: b[f.value]), name: name, from: strings)
                fields.append(HTTPField(FieldStringCache.string(name, from: strings), value, known: FieldName(name)))
            case .failure(let failure):
                return Self.bad(failure.message)
            }
        }
        switch ResponseFraming.decide(fields: fields, status: status.code, minorVersion: status.minorVersion,
                                      requestMethod: requestMethod) {
        case .success(let decision):
            let head = ResponseHead(status: status.code, reason: status.reason, minorVersion: status.minorVersion,
                                    fields: fields, framing: decision.framing, keepAlive: decision.keepAlive)
            return .complete(head, length: length)
        case .failure(let failure):
            return Self.bad(failure.message)
        }
    }
}

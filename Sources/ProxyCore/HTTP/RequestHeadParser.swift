/// Parses a client's request head strictly by RFC 9112, so that proxyd and the upstream can never disagree
/// about where a request ends (request smuggling). Stateless: the caller keeps the bytes and passes
/// `scanned` back as `searchFrom`, so a head that arrives byte by byte is scanned once in total.
package struct RequestHeadParser: Sendable {
    package struct Limits: Sendable, Equatable {
        package var maxRequestLine: Int
        package var maxHeadBytes: Int
        package var maxFields: Int
        /// A field's name and value together. A field the upstream would refuse must be refused here: an HTTP/2
        /// server refuses an oversized field by ending the whole connection (nginx: its 8 KB buffer, the
        /// `large_client_header_buffers` default), and that connection carries other clients' streams.
        package var maxFieldBytes: Int

        package init(maxRequestLine: Int = 8192, maxHeadBytes: Int = 32768, maxFields: Int = 128,
                    maxFieldBytes: Int = 8192) {
            self.maxRequestLine = maxRequestLine
            self.maxHeadBytes = maxHeadBytes
            self.maxFields = maxFields
            self.maxFieldBytes = maxFieldBytes
        }
    }

    package enum Result: Equatable, Sendable {
        /// No complete head yet; pass `scanned` as `searchFrom` once more bytes have arrived.
        case incomplete(scanned: Int)
        /// The head occupies the first `length` bytes; the body, if any, follows.
        case complete(RequestHead, length: Int)
        case invalid(ProxyError)
    }

    package var limits: Limits

    package init(limits: Limits = Limits()) {
        self.limits = limits
    }

    package func parse(_ bytes: UnsafeRawBufferPointer, searchFrom: Int = 0) -> Result {
        var noSpare: [HTTPField] = []
        return parse(bytes, searchFrom: searchFrom, reusing: &noSpare, strings: nil)
    }

    /// `parse`, a complete head's fields taking the storage of `spareFields` (an emptied array: a caller that
    /// hands back each finished head's array parses without allocating one) and its long strings from
    /// `strings`. The answer is the same as without them.
    package func parse(_ bytes: UnsafeRawBufferPointer, searchFrom: Int = 0, reusing spareFields: inout [HTTPField],
                       strings: FieldStringCache?) -> Result {
        let count = bytes.count
        // RFC 9112 section 2.2: ignore one empty line before the request line (stray CRLF after a body).
        let lead = count >= 2 && bytes[0] == HTTPSyntax.cr && bytes[1] == HTTPSyntax.lf ? 2 : 0
        // Checked only while the scan is near the request line, so dribbled input is not rescanned. It comes
        // first, as it would when the bytes dribble in, so the answer never depends on how they were split.
        let lineLimitEnd = lead + limits.maxRequestLine + 2
        if count >= lineLimitEnd, searchFrom <= lineLimitEnd, lineLimitEnd <= limits.maxHeadBytes,
           HTTPSyntax.firstLF(bytes, from: lead, end: lineLimitEnd) == nil {
            return Self.requestLineTooLong
        }
        let scanEnd = min(count, limits.maxHeadBytes)
        var from = max(searchFrom, lead)
        while let i = HTTPSyntax.firstLF(bytes, from: from, end: scanEnd) {
            guard i > 0, bytes[i - 1] == HTTPSyntax.cr else { return Self.bad("bare LF line ending") }
            if i - 3 >= lead, bytes[i - 2] == HTTPSyntax.lf, bytes[i - 3] == HTTPSyntax.cr {
                return parseHead(bytes, from: lead, length: i + 1, reusing: &spareFields, strings: strings)
            }
            from = i + 1
        }
        if count >= limits.maxHeadBytes { return Self.headTooLarge }
        return .incomplete(scanned: max(scanEnd, lead))
    }

    private static func bad(_ message: String) -> Result {
        .invalid(ProxyError(400, "invalid request: " + message))
    }

    /// Browsers send about a dozen fields; reserving this many avoids regrowing the array for them.
    static let typicalFieldCount = 16

    private static let headTooLarge = Result.invalid(ProxyError(431, "request header fields too large"))
    private static let requestLineTooLong = Result.invalid(ProxyError(431, "request line too long"))

    /// Names the field (its first 64 bytes: a name may be the oversized part) so the client can tell which.
    private func fieldTooLarge(_ name: UnsafeRawBufferPointer, size: Int) -> ProxyError {
        let shown = String(decoding: name.prefix(64), as: UTF8.self) + (name.count > 64 ? "..." : "")
        return ProxyError(431, "header field \(shown) is \(size) bytes, over the limit of \(limits.maxFieldBytes) "
                          + "for a name and value")
    }

    /// `bytes[from..<length]` is a request line and field lines, each ending in CRLF, then an empty line.
    private func parseHead(_ b: UnsafeRawBufferPointer, from: Int, length: Int, reusing spareFields: inout [HTTPField],
                           strings: FieldStringCache?) -> Result {
        guard let lineLF = HTTPSyntax.firstLF(b, from: from, end: length), lineLF > from,
              b[lineLF - 1] == HTTPSyntax.cr else { return Self.bad("malformed request line") }
        if lineLF - 1 - from > limits.maxRequestLine { return Self.requestLineTooLong }
        let line: RequestLine
        switch RequestLine.parse(b, from..<(lineLF - 1), strings: strings) {
        case .success(let parsed): line = parsed
        case .failure(let error): return .invalid(error)
        }

        var fields: [HTTPField] = []
        swap(&fields, &spareFields)
        fields.reserveCapacity(Self.typicalFieldCount)
        var semantics = RequestFieldSemantics()
        var pos = lineLF + 1
        while true {
            guard let lf = HTTPSyntax.firstLF(b, from: pos, end: length), b[lf - 1] == HTTPSyntax.cr else {
                return Self.bad("bare LF line ending")
            }
            let lineEnd = lf - 1
            if lineEnd == pos { break }
            if fields.count == limits.maxFields {
                return .invalid(ProxyError(431, "too many header fields"))
            }
            if HTTPSyntax.isWhitespace(b[pos]) { return Self.bad("obsolete line folding in header") }
            let parsed: FieldLine
            switch FieldLine.parse(b, pos..<lineEnd) {
            case .success(let f): parsed = f
            case .failure(let failure): return Self.bad(failure.message)
            }
            let nameBytes = UnsafeRawBufferPointer(rebasing: b[parsed.name])
            if parsed.name.count + parsed.value.count > limits.maxFieldBytes {
                return .invalid(fieldTooLarge(nameBytes, size: parsed.name.count + parsed.value.count))
            }
            let valueBytes = UnsafeRawBufferPointer(rebasing: b[parsed.value])
            // Validating is much slower than decoding, and ASCII needs no validation.
            guard let value = parsed.valueIsASCII
                ? FieldStringCache.value(valueBytes, name: nameBytes, from: strings)
                : String(validating: valueBytes, as: UTF8.self)
            else { return Self.bad("header value is not valid UTF-8") }
            let known = FieldName(nameBytes)
            if let error = semantics.add(known, name: nameBytes, value: valueBytes) { return .invalid(error) }
            fields.append(HTTPField(FieldStringCache.string(nameBytes, from: strings), value, known: known))
            pos = lf + 1
        }

        switch semantics.decide(minorVersion: line.minorVersion) {
        case .success(let decision):
            let head = RequestHead(method: line.method, target: line.target, minorVersion: line.minorVersion,
                                   fields: fields, framing: decision.framing, keepAlive: decision.keepAlive,
                                   expectsContinue: decision.expectsContinue)
            return .complete(head, length: length)
        case .failure(let error):
            return .invalid(error)
        }
    }
}

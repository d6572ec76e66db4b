/// The request fields that decide framing and connection handling, collected line by line and judged
/// at the end of the head (RFC 9112 sections 6 and 9.3, RFC 9110 section 10.1.1).
struct RequestFieldSemantics {
    struct Decision {
        var framing: BodyFraming
        var keepAlive: Bool
        var expectsContinue: Bool
    }

    private var hostCount = 0
    private var hasAuthorization = false
    private var contentLength: UInt64?
    private var transferCodings = TransferCodings()
    private var connection = HTTPSyntax.ConnectionOptions()
    private var expectsContinue = false

    private static func bad(_ message: String) -> ProxyError {
        ProxyError(400, "invalid request: " + message)
    }

    /// `known` is the field's classification, nil for names the proxy does not act on; `name` its bytes.
    mutating func add(_ known: FieldName?, name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> ProxyError? {
        switch known {
        case .host:
            hostCount += 1
            if hostCount > 1 { return Self.bad("duplicate Host header") }
        case .authorization:
            // A singleton (RFC 9110 section 5.3): which of two would the upstream use, and which did the route
            // pick its proxy by? Neither is guessed.
            if hasAuthorization { return Self.bad("duplicate Authorization header") }
            hasAuthorization = true
        case .contentEncoding:
            // `chunked` is a transfer coding (RFC 9112 section 7); as a content coding it only serves to make an
            // upstream that mistakes the two frame the body differently from proxyd.
            var chunked = false
            HTTPSyntax.forEachListElement(value) { coding in
                chunked = HTTPSyntax.equalsLowercase(coding, "chunked")
                return !chunked
            }
            if chunked { return Self.bad("chunked is a transfer coding, not a Content-Encoding") }
        case nil:
            // nginx drops such names (underscores_in_headers off) and HAProxy forwards them; proxyd refuses the
            // framing lookalikes: forwarded, an upstream that reads `_` as `-` sees two framings; dropped, the
            // client never learns why its field had no effect. Other names with `_` pass as the tokens they are.
            if FieldName.isFramingLookalike(name) {
                let text = String(decoding: name, as: UTF8.self)
                let dashed = String(text.map { $0 == "_" ? "-" : $0 })
                return Self.bad("\(text) looks like a framing header: servers that read _ as - see \(dashed); "
                                + "send it with - or not at all")
            }
        case .contentLength:
            // Even equal duplicates are refused: intermediaries disagree on how to merge them.
            guard contentLength == nil else { return Self.bad("duplicate Content-Length") }
            guard let n = HTTPSyntax.parseDecimal(value) else {
                return Self.bad("invalid Content-Length")
            }
            contentLength = n
        case .transferEncoding:
            transferCodings.add(value)
        case .connection:
            connection.add(value)
        case .expect:
            guard HTTPSyntax.equalsLowercase(value, "100-continue") else {
                return ProxyError(417, "unsupported Expect value")
            }
            expectsContinue = true
        default:
            break
        }
        return nil
    }

    func decide(minorVersion: Int) -> Swift.Result<Decision, ProxyError> {
        if minorVersion >= 1, hostCount == 0 { return .failure(Self.bad("missing Host header")) }
        var framing = BodyFraming.none
        if transferCodings.seen {
            if minorVersion == 0 { return .failure(Self.bad("Transfer-Encoding in an HTTP/1.0 request")) }
            if contentLength != nil {
                return .failure(Self.bad("conflicting Content-Length and Transfer-Encoding"))
            }
            if let error = Self.checkCodings(transferCodings) { return .failure(error) }
            framing = .chunked
        } else if let contentLength {
            framing = .contentLength(contentLength)
        }
        // An HTTP/1.0 client cannot know about 100 Continue (RFC 9110 section 10.1.1).
        return .success(Decision(framing: framing, keepAlive: connection.persists(minorVersion: minorVersion),
                                 expectsContinue: expectsContinue && minorVersion >= 1))
    }

    /// Only `chunked` alone is supported; anything that would leave the body length unknown is refused.
    private static func checkCodings(_ codings: TransferCodings) -> ProxyError? {
        if codings.malformed { return bad("malformed Transfer-Encoding") }
        guard codings.lastIsChunked else {
            return codings.chunkedCount > 0 ? bad("chunked is not the final transfer coding") : unsupported(codings)
        }
        if codings.chunkedCount > 1 { return bad("chunked applied more than once") }
        if codings.count > 1 { return unsupported(codings) }
        return nil
    }

    private static func unsupported(_ codings: TransferCodings) -> ProxyError {
        ProxyError(501, "unsupported transfer coding \(codings.firstOther ?? "")")
    }
}

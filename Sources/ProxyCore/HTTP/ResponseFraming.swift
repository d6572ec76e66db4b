/// Why an upstream response head was refused; the parser prefixes it with "invalid response: ".
struct ResponseHeadError: Error {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}

/// Where an upstream response's body ends and whether the connection survives it (RFC 9112 section 6.3).
enum ResponseFraming {
    struct Decision {
        var framing: BodyFraming
        var keepAlive: Bool
    }

    static func decide(fields: [HTTPField], status: Int, minorVersion: Int,
                       requestMethod: String) -> Swift.Result<Decision, ResponseHeadError> {
        var connection = HTTPSyntax.ConnectionOptions()
        var contentLength: UInt64?
        var codings = TransferCodings()
        for field in fields {
            switch field.known {
            case .contentLength:
                if let failure = addContentLength(field.value, to: &contentLength) { return .failure(failure) }
            case .transferEncoding:
                codings.add(field.value)
            case .connection:
                connection.add(field.value)
            default:
                break
            }
        }
        var keepAlive = connection.persists(minorVersion: minorVersion)
        let framing: BodyFraming
        if requestMethod == "HEAD" || status < 200 || status == 204 || status == 304 {
            framing = .none
        } else if codings.seen {
            let chunked = codings.lastIsChunked
            framing = chunked ? .chunked : .untilClose
            // Read-until-close, TE beside Content-Length (someone meant to confuse) and chunked from an
            // HTTP/1.0 server all leave the connection's state doubtful: never reuse it (RFC 9112 section 6.3).
            if !chunked || contentLength != nil || minorVersion == 0 { keepAlive = false }
        } else if let contentLength {
            framing = .contentLength(contentLength)
        } else {
            framing = .untilClose
            keepAlive = false
        }
        return .success(Decision(framing: framing, keepAlive: keepAlive))
    }

    /// Repeated equal values are harmless (RFC 9110 section 8.6); differing ones are not.
    private static func addContentLength(_ value: String, to contentLength: inout UInt64?) -> ResponseHeadError? {
        var failure: ResponseHeadError?
        HTTPSyntax.forEachListElement(value) { element in
            guard let n = HTTPSyntax.parseDecimal(element) else {
                failure = ResponseHeadError("invalid Content-Length")
                return false
            }
            if let contentLength, contentLength != n {
                failure = ResponseHeadError("conflicting Content-Length values")
                return false
            }
            contentLength = n
            return true
        }
        return failure
    }
}

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
        var codings: [Substring] = []
        var sawTransferEncoding = false
        for field in fields {
            if field.hasName("content-length") {
                // Repeated equal values are harmless (RFC 9110 section 8.6); differing ones are not.
                for element in HTTPSyntax.listElements(field.value) {
                    guard let n = HTTPSyntax.parseDecimal(element) else {
                        return .failure(ResponseHeadError("invalid Content-Length"))
                    }
                    if let contentLength, contentLength != n {
                        return .failure(ResponseHeadError("conflicting Content-Length values"))
                    }
                    contentLength = n
                }
            } else if field.hasName("transfer-encoding") {
                sawTransferEncoding = true
                codings += HTTPSyntax.listElements(field.value).filter { !$0.isEmpty }
            } else if field.hasName("connection") {
                connection.add(field.value)
            }
        }
        var keepAlive = connection.persists(minorVersion: minorVersion)
        let framing: BodyFraming
        if requestMethod == "HEAD" || status < 200 || status == 204 || status == 304 {
            framing = .none
        } else if sawTransferEncoding {
            let chunked = codings.last.map { HTTPSyntax.equalsLowercase($0, "chunked") } ?? false
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
}

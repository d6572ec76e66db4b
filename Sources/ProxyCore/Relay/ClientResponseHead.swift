/// How a response body is framed towards the client.
package enum ClientFraming {
    /// No body, or a body whose Content-Length is passed on unchanged.
    case asIs
    /// Unknown length (or a body proxyd decodes) for an HTTP/1.1 client: each upstream read becomes
    /// one chunk (or a few, when decoding), sent at once.
    case chunked
    /// Unknown length (or a decoded body) for an HTTP/1.0 client: the body ends when the connection closes.
    case untilClose
}

/// Writes the response head that goes to the client for an upstream response: status and reason
/// as received, end-to-end fields in their order, and framing the client can follow.
///
/// `decoded`: proxyd removes the body's content coding (`ContentHandling.decode`). The head then
/// describes the decoded body: no Content-Encoding, no Content-Length (the decoded length is not
/// known before the end), and a strong ETag becomes weak. A strong validator promises these exact
/// bytes, which the upstream never sent; a weak one still matches the encoded representation's
/// (RFC 9110 section 8.8.1), so a client's If-None-Match, which compares weakly and goes upstream
/// as sent, keeps working. Dropping the ETag would lose that.
package enum ClientResponseHead {
    package static func write(_ head: ResponseHead, clientMinorVersion: Int, keepAlive: Bool,
                              limits: LimitStatus? = nil, decoded: Bool = false, into out: inout IOBuffer) -> ClientFraming {
        let framing: ClientFraming
        switch head.framing {
        case .none: framing = .asIs
        case .contentLength where !decoded: framing = .asIs
        case .contentLength, .chunked, .untilClose: framing = clientMinorVersion >= 1 ? .chunked : .untilClose
        }
        StatusLine.write(minorVersion: clientMinorVersion, status: head.status, reason: head.reason, into: &out)
        let connection = head.fields.first { $0.known == .connection }?.value
        let nominates = HopByHop.nominatesFields(connection)
        for field in head.fields {
            if field.known?.isHopByHop == true { continue }
            if nominates, let connection, HopByHop.isNominated(field, by: connection) { continue }
            if decoded {
                if field.known == .contentLength || field.hasName("content-encoding") { continue }
                if field.hasName("etag") && field.value.utf8.first == UInt8(ascii: "\"") {
                    out.append(field.name)
                    out.append(": W/")
                    out.append(field.value)
                    out.append("\r\n")
                    continue
                }
            }
            out.appendFieldLine(field.name, field.value)
        }
        // The upstream's own x-ratelimit-* fields went through above; proxyd's are its key's (issue 14).
        if let limits { LimitHeaders.write(limits, into: &out) }
        if framing == .chunked { out.append("Transfer-Encoding: chunked\r\n") }
        if !keepAlive || framing == .untilClose {
            out.append("Connection: close\r\n")
        } else if clientMinorVersion == 0 {
            out.append("Connection: keep-alive\r\n")
        }
        out.append("\r\n")
        return framing
    }
}

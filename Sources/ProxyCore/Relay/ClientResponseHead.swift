/// How a response body is framed towards the client.
package enum ClientFraming {
    /// No body, or a body whose Content-Length is passed on unchanged.
    case asIs
    /// Unknown length for an HTTP/1.1 client: each upstream read becomes one chunk, sent at once.
    case chunked
    /// Unknown length for an HTTP/1.0 client: the body ends when the connection closes.
    case untilClose
}

/// Writes the response head that goes to the client for an upstream response: status and reason
/// as received, end-to-end fields in their order, and framing the client can follow.
package enum ClientResponseHead {
    package static func write(_ head: ResponseHead, clientMinorVersion: Int, keepAlive: Bool,
                      into out: inout IOBuffer) -> ClientFraming {
        let framing: ClientFraming
        switch head.framing {
        case .none, .contentLength: framing = .asIs
        case .chunked, .untilClose: framing = clientMinorVersion >= 1 ? .chunked : .untilClose
        }
        out.append(clientMinorVersion >= 1 ? "HTTP/1.1 " : "HTTP/1.0 ")
        out.append(String(head.status))
        out.append(" ")
        out.append(head.reason.isEmpty ? StatusText.reason(head.status) : head.reason)
        out.append("\r\n")
        let connection = head.fields.first { $0.known == .connection }?.value
        let nominates = HopByHop.nominatesFields(connection)
        for field in head.fields {
            if field.known?.isHopByHop == true { continue }
            if nominates, let connection, HopByHop.isNominated(field, by: connection) { continue }
            out.appendFieldLine(field.name, field.value)
        }
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

/// Writes the request head that goes upstream for a routed client request: the routed method and
/// target, the origin's Host, the fields `UpstreamFields` lists (the profile's header plan, or the
/// client's end-to-end fields in their order), `Bearer ` added to a bare token, and framing that
/// matches how the body will be sent.
package enum UpstreamRequestHead {
    package static func write(_ head: RequestHead, method: String, target: String, page: String? = nil,
                              origin: UpstreamOrigin, plan: HeaderPlan?, into out: inout IOBuffer) {
        out.append(method)
        out.append(" ")
        out.append(target)
        out.append(" HTTP/1.1\r\nHost: ")
        out.append(origin.authority)
        out.append("\r\n")
        UpstreamFields.forEach(head, method: method, page: page, origin: origin, plan: plan, http2: false) { field in
            switch field {
            case .profile(let name, let value):
                out.appendFieldLine(name, value)
            case .client(let field) where field.known == .authorization:
                out.append(field.name)
                out.append(": ")
                appendBearer(field.value, into: &out)
                out.append("\r\n")
            case .client(let field):
                out.appendFieldLine(field.name, field.value)
            }
        }
        switch head.framing {
        case .contentLength(let length):
            out.append("Content-Length: \(length)\r\n")
        case .chunked:
            out.append("Transfer-Encoding: chunked\r\n")
        case .none, .untilClose:
            // A bodyless POST/PUT/PATCH still says so, or some servers wait for a body (RFC 9110 8.6).
            if method == "POST" || method == "PUT" || method == "PATCH" {
                out.append("Content-Length: 0\r\n")
            }
        }
        out.append("\r\n")
    }

    /// The contract's rule: a token without the `Bearer ` prefix gets it.
    static func appendBearer(_ value: String, into out: inout IOBuffer) {
        if lacksBearer(value) { out.append("Bearer ") }
        out.append(value)
    }

    /// Whether an Authorization value needs `Bearer ` put before it, on either protocol.
    static func lacksBearer(_ value: String) -> Bool {
        !value.utf8.starts(with: "bearer ".utf8, by: { ($0 | 0x20) == $1 })
    }

}

/// The header fields that go upstream for a client's request, in the order they go, for both
/// protocols: without a header plan the client's end-to-end fields as sent; with one, the plan's
/// slots in order, filled with the profile's identity headers and the client's fields.
enum UpstreamFields {
    enum Field {
        /// A profile header, its name already spelt for the protocol.
        case profile(name: String, value: String)
        /// A client's field, as received.
        case client(HTTPField)
    }

    /// Calls `body` with each field in order. Host is not among them (each protocol has its own
    /// place for it), nor are hop-by-hop fields, Expect, or on HTTP/1.1 Content-Length (its
    /// framing writes that).
    /// `page`: the path of the page the request comes from (`Forward.page`), nil for the site's root.
    static func forEach(_ head: RequestHead, method: String, page: String? = nil, origin: UpstreamOrigin,
                        plan: HeaderPlan?, http2: Bool, _ body: (Field) -> Void) {
        let fields = head.fields
        let connection = fields.first { $0.known == .connection }?.value
        let nominates = HopByHop.nominatesFields(connection)
        func forwarded(_ field: HTTPField) -> Bool {
            switch field.known {
            case .host, .expect: return false
            case .contentLength: return http2
            case let name? where name.isHopByHop: return false
            default: break
            }
            if nominates, let connection, HopByHop.isNominated(field, by: connection) { return false }
            return true
        }
        guard let plan else {
            for field in fields where forwarded(field) { body(.client(field)) }
            return
        }
        // Each client field's slot, worked out once; on the stack, so a request allocates nothing here.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(fields.count, 1)) { placement in
            let dropped = -2, other = -1
            for (index, field) in fields.enumerated() {
                switch forwarded(field) ? plan.placement(of: field) : .identity {
                case .identity: placement[index] = dropped
                case .slot(let slot): placement[index] = slot
                case .other: placement[index] = other
                }
            }
            func clientFields(in slot: Int) -> Bool {
                var any = false
                for index in fields.indices where placement[index] == slot {
                    body(.client(fields[index]))
                    any = true
                }
                return any
            }
            for (index, slot) in plan.slots.enumerated() {
                switch slot {
                case .fixed(let name, let value):
                    if let spelt = http2 ? name.http2 : name.http1 { body(.profile(name: spelt, value: value)) }
                case .client(let name, let fallback):
                    if !clientFields(in: index), let fallback, let spelt = http2 ? name.http2 : name.http1 {
                        body(.profile(name: spelt, value: fallback))
                    }
                case .acceptEncoding(let browser):
                    // The client's own fields were placed here only to leave `otherClientFields`.
                    body(.profile(name: http2 ? "accept-encoding" : "Accept-Encoding", value: browser))
                case .otherClientFields:
                    _ = clientFields(in: other)
                case .pageOrigin(let name):
                    if method != "GET" && method != "HEAD", let spelt = http2 ? name.http2 : name.http1 {
                        body(.profile(name: spelt, value: origin.webOrigin))
                    }
                case .pageReferer(let name):
                    if let spelt = http2 ? name.http2 : name.http1 {
                        body(.profile(name: spelt, value: page.map { origin.webOrigin + $0 } ?? origin.rootPage))
                    }
                }
            }
        }
    }
}

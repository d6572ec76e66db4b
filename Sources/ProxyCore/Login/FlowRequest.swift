/// One upstream request of a login flow. It carries only the semantic fields (content-type, accept,
/// cookie, origin/referer of navigations, authorization): the transport adds Host, framing and the
/// browser profile's identity headers from the header plan that `kind` selects.
package struct FlowRequest: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package enum Kind: Sendable, Equatable {
        /// A page load or form submission: the profile's `navigation` plan.
        case navigation
        /// A page script calling an API: the profile's `fetch` plan.
        case api
    }

    package var method: String
    package var url: FlowURL
    package var fields: [HTTPField]
    package var body: [UInt8]
    package var kind: Kind

    package init(_ method: String, _ url: FlowURL, kind: Kind, fields: [HTTPField] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.kind = kind
        self.fields = fields
        self.body = body
    }

    package func value(of lowercasedName: String) -> String? {
        fields.first { $0.hasName(lowercasedName) }?.value
    }

    /// Replaces every field of this name (or removes them when `value` is nil).
    mutating func set(_ lowercasedName: String, _ value: String?) {
        fields.removeAll { $0.hasName(lowercasedName) }
        if let value { fields.append(HTTPField(lowercasedName, value)) }
    }

    /// Fields, body and query can hold passwords, tokens, codes and cookies: descriptions show none of them.
    package var description: String { "\(method) \(url) (\(kind), \(fields.count) fields, \(body.count) body bytes)" }
    package var debugDescription: String { description }
    package var customMirror: Mirror { Mirror(self, children: ["request": description], displayStyle: .struct) }
}

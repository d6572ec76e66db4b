/// An upstream answer to a `FlowRequest`, body whole (decoded from any content or transfer coding).
package struct FlowResponse: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Login pages and JSON answers are a few KB; a transport stops reading past this and fails the
    /// request, so an upstream cannot make a login hold unbounded memory.
    package static let maxBodyBytes = 1 << 20

    package static func bodyTooLarge(_ url: FlowURL) -> ProxyError {
        ProxyError(502, "upstream answer from \(url.origin.authority) is larger than \(maxBodyBytes) bytes")
    }

    package var status: Int
    package var fields: [HTTPField]
    package var body: [UInt8]

    package init(status: Int, fields: [HTTPField] = [], body: [UInt8] = []) {
        self.status = status
        self.fields = fields
        self.body = body
    }

    package func value(of lowercasedName: String) -> String? {
        fields.first { $0.hasName(lowercasedName) }?.value
    }

    package func values(of lowercasedName: String) -> [String] {
        fields.filter { $0.hasName(lowercasedName) }.map(\.value)
    }

    package var isRedirect: Bool { [301, 302, 303, 307, 308].contains(status) }

    /// Set-Cookie fields and bodies carry sessions and tokens: descriptions show neither.
    package var description: String { "status \(status) (\(fields.count) fields, \(body.count) body bytes)" }
    package var debugDescription: String { description }
    package var customMirror: Mirror { Mirror(self, children: ["response": description], displayStyle: .struct) }
}

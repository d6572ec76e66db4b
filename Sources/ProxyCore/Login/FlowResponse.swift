/// An upstream answer to a `FlowRequest`, body whole (decoded from any content or transfer coding).
public struct FlowResponse: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Login pages and JSON answers are a few KB; a transport stops reading past this and fails the
    /// request, so an upstream cannot make a login hold unbounded memory.
    public static let maxBodyBytes = 1 << 20

    public static func bodyTooLarge(_ url: FlowURL) -> ProxyError {
        ProxyError(502, "upstream answer from \(url.origin.authority) is larger than \(maxBodyBytes) bytes")
    }

    public var status: Int
    public var fields: [HTTPField]
    public var body: [UInt8]

    public init(status: Int, fields: [HTTPField] = [], body: [UInt8] = []) {
        self.status = status
        self.fields = fields
        self.body = body
    }

    public func value(of lowercasedName: String) -> String? {
        fields.first { $0.hasName(lowercasedName) }?.value
    }

    public func values(of lowercasedName: String) -> [String] {
        fields.filter { $0.hasName(lowercasedName) }.map(\.value)
    }

    public var isRedirect: Bool { [301, 302, 303, 307, 308].contains(status) }

    /// Set-Cookie fields and bodies carry sessions and tokens: descriptions show neither.
    public var description: String { "status \(status) (\(fields.count) fields, \(body.count) body bytes)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["response": description], displayStyle: .struct) }
}

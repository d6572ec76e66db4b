/// The parts of HTTP/1.1 messages that both sides of the proxy share.

/// One header field as received; names keep their case, compare them with `hasName`.
public struct HTTPField: Equatable, Sendable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// ASCII case-insensitive comparison with a lowercase name, without allocating.
    @inlinable
    public func hasName(_ lowercased: String) -> Bool {
        HTTPField.equalsLowercase(name, lowercased)
    }

    @inlinable
    static func equalsLowercase(_ text: some StringProtocol, _ lowercased: String) -> Bool {
        let a = text.utf8, b = lowercased.utf8
        guard a.count == b.count else { return false }
        var j = b.startIndex
        for byte in a {
            let folded = byte &- 65 < 26 ? byte | 0x20 : byte
            if folded != b[j] { return false }
            j = b.index(after: j)
        }
        return true
    }
}

/// How the length of a message body is known (RFC 9112 section 6).
public enum BodyFraming: Equatable, Sendable {
    case none
    case contentLength(UInt64)
    case chunked
    /// Responses only: the body ends when the upstream closes the connection.
    case untilClose
}

/// A request head as the inbound parser produced it: validated, framing decided.
public struct RequestHead: Equatable, Sendable {
    public var method: String
    /// The origin-form target: path plus optional `?query`.
    public var target: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    public var fields: [HTTPField]
    public var framing: BodyFraming
    /// Whether the connection may serve another request after this one.
    public var keepAlive: Bool
    /// `Expect: 100-continue` was sent.
    public var expectsContinue: Bool

    public init(method: String, target: String, minorVersion: Int, fields: [HTTPField],
                framing: BodyFraming, keepAlive: Bool, expectsContinue: Bool) {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.fields = fields
        self.framing = framing
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
    }

    /// The first value of a field, by lowercase name.
    public func value(of lowercasedName: String) -> String? {
        fields.first { $0.hasName(lowercasedName) }?.value
    }
}

/// A response head from the upstream.
public struct ResponseHead: Equatable, Sendable {
    public var status: Int
    public var reason: String
    public var minorVersion: Int
    public var fields: [HTTPField]
    public var framing: BodyFraming
    /// Whether the upstream connection may be reused after this response's body.
    public var keepAlive: Bool

    public init(status: Int, reason: String, minorVersion: Int, fields: [HTTPField],
                framing: BodyFraming, keepAlive: Bool) {
        self.status = status
        self.reason = reason
        self.minorVersion = minorVersion
        self.fields = fields
        self.framing = framing
        self.keepAlive = keepAlive
    }
}

/// An error proxyd answers itself, as `{"errorMessage":"…"}` with `status`.
public struct ProxyError: Error, Equatable, Sendable {
    public var status: Int
    public var message: String

    public init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// Hop-by-hop fields (RFC 9110 section 7.6.1) never cross the proxy in either direction, nor do the
/// fields a message's own Connection header nominates.
public enum HopByHop {
    static let names = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade",
    ]

    static func contains(_ field: HTTPField) -> Bool {
        names.contains { field.hasName($0) }
    }

    /// The options of a Connection value that nominate other fields (not "close" or "keep-alive").
    /// Empty, without allocating, in the common case.
    static func nominated(by connectionValue: String?) -> [Substring] {
        guard let connectionValue else { return [] }
        return HTTPSyntax.listElements(connectionValue).filter {
            !HTTPSyntax.equalsLowercase($0, "close") && !HTTPSyntax.equalsLowercase($0, "keep-alive")
        }
    }

    static func isNominated(_ field: HTTPField, in options: [Substring]) -> Bool {
        options.contains { option in
            option.utf8.count == field.name.utf8.count
                && zip(option.utf8, field.name.utf8).allSatisfy { a, b in
                    (a &- 65 < 26 ? a | 0x20 : a) == (b &- 65 < 26 ? b | 0x20 : b)
                }
        }
    }
}

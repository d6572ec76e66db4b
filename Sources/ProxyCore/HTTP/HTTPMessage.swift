/// The parts of HTTP/1.1 messages that both sides of the proxy share.

/// One header field as received; names keep their case, compare them with `hasName`.
public struct HTTPField: Equatable, Sendable {
    public var name: String {
        didSet { known = FieldName(name) }
    }
    public var value: String
    /// The name's classification, made once (by the parsers, from the received bytes) so that framing
    /// and head rewriting do not compare names again.
    private(set) var known: FieldName?

    public init(_ name: String, _ value: String) {
        self.init(name, value, known: FieldName(name))
    }

    /// `known` must be `FieldName(name)`.
    init(_ name: String, _ value: String, known: FieldName?) {
        self.name = name
        self.value = value
        self.known = known
    }

    /// ASCII case-insensitive comparison with a lowercase name, without allocating.
    public func hasName(_ lowercased: String) -> Bool {
        guard name.utf8.count == lowercased.utf8.count else { return false }
        var name = name, lowercased = lowercased
        return name.withUTF8 { name in
            lowercased.withUTF8 { HTTPSyntax.equalsLowercase(UnsafeRawBufferPointer(name), UnsafeRawBufferPointer($0)) }
        }
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

/// The fields a message's own Connection header nominates (RFC 9110 section 7.6.1) are hop-by-hop too.
/// The fixed hop-by-hop names are `FieldName.isHopByHop`.
public enum HopByHop {
    /// Whether a Connection value names any field, that is any option but "close" and "keep-alive".
    /// Checked once per message so that the common value costs no per-field work.
    static func nominatesFields(_ connectionValue: String?) -> Bool {
        guard let connectionValue else { return false }
        var nominates = false
        HTTPSyntax.forEachListElement(connectionValue) { option in
            nominates = !option.isEmpty && !isConnectionKeyword(option)
            return !nominates
        }
        return nominates
    }

    static func isNominated(_ field: HTTPField, by connectionValue: String) -> Bool {
        var name = field.name
        return name.withUTF8 { name in
            var nominated = false
            HTTPSyntax.forEachListElement(connectionValue) { option in
                nominated = HTTPSyntax.equalsIgnoringCase(option, UnsafeRawBufferPointer(name))
                    && !isConnectionKeyword(option)
                return !nominated
            }
            return nominated
        }
    }

    private static func isConnectionKeyword(_ option: UnsafeRawBufferPointer) -> Bool {
        HTTPSyntax.equalsLowercase(option, "close") || HTTPSyntax.equalsLowercase(option, "keep-alive")
    }
}

/// The parts of HTTP/1.1 messages that both sides of the proxy share.

/// One header field as received; names keep their case, compare them with `hasName`.
package struct HTTPField: Equatable, Sendable {
    package var name: String {
        didSet { known = FieldName(name) }
    }
    package var value: String
    /// The name's classification, made once (by the parsers, from the received bytes) so that framing
    /// and head rewriting do not compare names again.
    private(set) var known: FieldName?

    package init(_ name: String, _ value: String) {
        self.init(name, value, known: FieldName(name))
    }

    /// `known` must be `FieldName(name)`.
    init(_ name: String, _ value: String, known: FieldName?) {
        self.name = name
        self.value = value
        self.known = known
    }

    /// ASCII case-insensitive comparison with a lowercase name, without allocating.
    package func hasName(_ lowercased: String) -> Bool {
        // Compared through the UTF-8 views: most names are small strings, whose bytes are read in place
        // without the copies and retains that withUTF8 on a `var` costs (about 100 calls per request).
        let name = name.utf8, expected = lowercased.utf8
        return name.count == expected.count && name.elementsEqual(expected) { HTTPSyntax.foldCase($0) == $1 }
    }
}

/// How the length of a message body is known (RFC 9112 section 6).
package enum BodyFraming: Equatable, Sendable {
    case none
    case contentLength(UInt64)
    case chunked
    /// Responses only: the body ends when the upstream closes the connection.
    case untilClose
}

/// A request head as the inbound parser produced it: validated, framing decided.
package struct RequestHead: Equatable, Sendable {
    package var method: String
    /// The origin-form target: path plus optional `?query`.
    package var target: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    package var minorVersion: Int
    package var fields: [HTTPField]
    package var framing: BodyFraming
    /// Whether the connection may serve another request after this one.
    package var keepAlive: Bool
    /// `Expect: 100-continue` was sent.
    package var expectsContinue: Bool

    package init(method: String, target: String, minorVersion: Int, fields: [HTTPField],
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
    package func value(of lowercasedName: String) -> String? {
        fields.first { $0.hasName(lowercasedName) }?.value
    }
}

/// A response head from the upstream.
package struct ResponseHead: Equatable, Sendable {
    package var status: Int
    package var reason: String
    package var minorVersion: Int
    package var fields: [HTTPField]
    package var framing: BodyFraming
    /// Whether the upstream connection may be reused after this response's body.
    package var keepAlive: Bool

    package init(status: Int, reason: String, minorVersion: Int, fields: [HTTPField],
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
package enum HopByHop {
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

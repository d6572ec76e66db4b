/// The field names the proxy acts on. A field is classified once, by its length and then at most two
/// byte comparisons, instead of being compared against each interesting name in turn.
enum FieldName: Equatable {
    case connection, keepAlive, proxyConnection, proxyAuthenticate, proxyAuthorization, te, trailer,
         transferEncoding, upgrade
    case host, contentLength, expect, authorization, contentEncoding

    /// nil for every other name; ASCII case-insensitive.
    init?(_ bytes: UnsafeRawBufferPointer) {
        func named(_ lowercased: StaticString) -> Bool { HTTPSyntax.equalsLowercase(bytes, lowercased) }
        switch bytes.count {
        case 2 where named("te"): self = .te
        case 4 where named("host"): self = .host
        case 6 where named("expect"): self = .expect
        case 7 where named("trailer"): self = .trailer
        case 7 where named("upgrade"): self = .upgrade
        case 10 where named("connection"): self = .connection
        case 10 where named("keep-alive"): self = .keepAlive
        case 13 where named("authorization"): self = .authorization
        case 14 where named("content-length"): self = .contentLength
        case 16 where named("proxy-connection"): self = .proxyConnection
        case 16 where named("content-encoding"): self = .contentEncoding
        case 17 where named("transfer-encoding"): self = .transferEncoding
        case 18 where named("proxy-authenticate"): self = .proxyAuthenticate
        case 19 where named("proxy-authorization"): self = .proxyAuthorization
        default: return nil
        }
    }

    /// Whether a name that is not Transfer-Encoding or Content-Length reads as one when `_` is taken for `-`,
    /// as CGI-style servers do (both become HTTP_TRANSFER_ENCODING): a second framing the upstream may obey.
    /// Checked only for unclassified names of those two lengths, so other names cost one comparison.
    static func isFramingLookalike(_ bytes: UnsafeRawBufferPointer) -> Bool {
        func reads(as lowercased: StaticString) -> Bool {
            let expected = UnsafeRawBufferPointer(start: lowercased.utf8Start, count: lowercased.utf8CodeUnitCount)
            var underscore = false
            for k in 0..<bytes.count {
                let b = bytes[k] == 0x5F ? 0x2D : HTTPSyntax.foldCase(bytes[k])
                guard b == expected[k] else { return false }
                underscore = underscore || bytes[k] == 0x5F
            }
            return underscore
        }
        switch bytes.count {
        case 14: return reads(as: "content-length")
        case 17: return reads(as: "transfer-encoding")
        default: return false
        }
    }

    init?(_ name: String) {
        var name = name
        guard let known = name.withUTF8({ FieldName(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = known
    }

    /// Hop-by-hop fields (RFC 9110 section 7.6.1) never cross the proxy in either direction.
    var isHopByHop: Bool {
        switch self {
        case .host, .contentLength, .expect, .authorization, .contentEncoding: return false
        default: return true
        }
    }
}

/// The field names the proxy acts on. A field is classified once, by its length and then at most two
/// byte comparisons, instead of being compared against each interesting name in turn.
enum FieldName: Equatable {
    case connection, keepAlive, proxyConnection, proxyAuthenticate, proxyAuthorization, te, trailer,
         transferEncoding, upgrade
    case host, contentLength, expect, authorization

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
        case 17 where named("transfer-encoding"): self = .transferEncoding
        case 18 where named("proxy-authenticate"): self = .proxyAuthenticate
        case 19 where named("proxy-authorization"): self = .proxyAuthorization
        default: return nil
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
        case .host, .contentLength, .expect, .authorization: return false
        default: return true
        }
    }
}

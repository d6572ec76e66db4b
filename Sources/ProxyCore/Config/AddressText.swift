#if canImport(Glibc)
import Glibc
#endif

/// The textual address forms shared by several settings: numeric IPs, ports and `host:port` pairs.
enum AddressText {
    /// A host as written before `:port`: IPv6 addresses in brackets.
    static func bracketed(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }

    static func isIPv4(_ text: Substring) -> Bool { parses(text, family: AF_INET) }

    static func isIPv6(_ text: Substring) -> Bool { parses(text, family: AF_INET6) }

    /// A numeric IPv4, or IPv6 with or without brackets; returns it without brackets.
    static func numericIP(_ text: Substring) -> String? {
        if text.hasPrefix("["), text.hasSuffix("]") {
            let inner = text.dropFirst().dropLast()
            return isIPv6(inner) ? String(inner) : nil
        }
        return isIPv4(text) || isIPv6(text) ? String(text) : nil
    }

    /// Decimal digits only (no sign, no blanks), 1 to 65535.
    static func port(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let port = UInt16(text), port > 0 else { return nil }
        return port
    }

    /// Splits `host:port`, `[v6]:port`, `[v6]` or `host`; the host comes back without brackets.
    /// Nil when brackets are unbalanced or followed by anything but `:port`.
    static func splitHostPort(_ text: Substring) -> (host: Substring, port: Substring?, bracketed: Bool)? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.isEmpty { return (host, nil, true) }
            guard after.hasPrefix(":") else { return nil }
            return (host, after.dropFirst(), true)
        }
        guard let colon = text.lastIndex(of: ":") else { return (text, nil, false) }
        return (text[..<colon], text[text.index(after: colon)...], false)
    }

    /// A host from `splitHostPort` as a numeric address: IPv6 only in brackets, IPv4 only without.
    static func numericHost(_ host: Substring, bracketed: Bool) -> String? {
        (bracketed ? isIPv6(host) : isIPv4(host)) ? String(host) : nil
    }

    private static func parses(_ text: Substring, family: Int32) -> Bool {
        guard !text.isEmpty, text.utf8.count < 64 else { return false }
        var buffer = (UInt64(0), UInt64(0))
        return String(text).withCString { inet_pton(family, $0, &buffer) } == 1
    }
}

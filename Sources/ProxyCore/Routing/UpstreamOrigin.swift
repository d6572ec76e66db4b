/// Where a class of routes goes: one of the configured base URLs, e.g. `https://chatgpt.com`.
package struct UpstreamOrigin: Hashable, Sendable, CustomStringConvertible {
    package let secure: Bool
    package let host: String
    package let port: UInt16
    /// A path prefix without a trailing slash ("" for none), prepended to every upstream path.
    package let basePath: String
    /// The Host header value: the port is left out when it is the scheme's default. Stored because every
    /// forwarded request sends it.
    package let authority: String
    /// The web origin (RFC 6454) and its root page, which browser profiles send as Origin and Referer
    /// of a same-origin script's requests; stored for the same reason as `authority`.
    package let webOrigin: String
    package let rootPage: String

    package init(secure: Bool, host: String, port: UInt16, basePath: String = "") {
        self.secure = secure
        self.host = host
        self.port = port
        self.basePath = basePath
        let h = AddressText.bracketed(host)
        authority = port == (secure ? 443 : 80) ? h : "\(h):\(port)"
        webOrigin = (secure ? "https://" : "http://") + authority
        rootPage = webOrigin + "/"
    }

    /// Parses `http[s]://host[:port][/base]`; IPv6 hosts in brackets. Returns nil when malformed.
    package init?(url: String) {
        let secure: Bool
        var rest: Substring
        if url.hasPrefix("https://") {
            secure = true
            rest = url.dropFirst(8)
        } else if url.hasPrefix("http://") {
            secure = false
            rest = url.dropFirst(7)
        } else {
            return nil
        }
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = rest[..<slash]
        }
        while path.hasSuffix("/") { path.removeLast() }
        if path.contains("?") || path.contains("#") || rest.contains("@") { return nil }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else { return nil }
        var port: UInt16 = secure ? 443 : 80
        if let portText {
            guard let p = UInt16(portText), p > 0 else { return nil }
            port = p
        }
        self.init(secure: secure, host: String(host), port: port, basePath: path)
    }

    /// `authority` and the page texts follow from the rest, so hashing or comparing them too would only cost
    /// the pool's lookups (one per request) time.
    package static func == (a: UpstreamOrigin, b: UpstreamOrigin) -> Bool {
        a.port == b.port && a.secure == b.secure && a.host == b.host && a.basePath == b.basePath
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(secure)
        hasher.combine(host)
        hasher.combine(port)
        hasher.combine(basePath)
    }

    package var description: String { webOrigin + basePath }
}

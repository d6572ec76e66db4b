/// One upstream proxy that connections to upstreams are tunnelled through.
package struct UpstreamProxy: Hashable, Sendable, CustomStringConvertible {
    package enum Scheme: String, CaseIterable, Sendable {
        /// HTTP CONNECT.
        case http
        /// SOCKS5 with addresses resolved here.
        case socks5
        /// SOCKS5 with host names resolved by the proxy.
        case socks5h
    }

    package var scheme: Scheme
    package var host: String
    package var port: UInt16
    package var username: String?
    package var password: String?

    package init(scheme: Scheme, host: String, port: UInt16, username: String? = nil, password: String? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    /// Parses `scheme://[user[:pass]@]host:port[/]`; user and password may be percent-encoded.
    package init?(url: Substring) {
        guard let sep = url.firstRange(of: "://"), let scheme = Scheme(rawValue: url[..<sep.lowerBound].lowercased())
        else { return nil }
        var rest = url[sep.upperBound...]
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let colon = userinfo.firstIndex(of: ":") ?? userinfo.endIndex
            guard let user = Self.percentDecoded(userinfo[..<colon]), !user.isEmpty else { return nil }
            username = user
            if colon < userinfo.endIndex {
                guard let pass = Self.percentDecoded(userinfo[userinfo.index(after: colon)...]) else { return nil }
                password = pass
            }
        }
        guard let (host, portText, bracketed) = AddressText.splitHostPort(rest), let portText,
              let port = AddressText.port(portText), bracketed ? AddressText.isIPv6(host) : Self.isPlainHost(host)
        else { return nil }
        self.init(scheme: scheme, host: String(host), port: port, username: username, password: password)
    }

    /// Where to connect, for messages; never the credentials.
    package var endpoint: String { "\(AddressText.bracketed(host)):\(port)" }

    /// The password is masked because descriptions end up in logs and error messages.
    package var description: String {
        let credentials = username.map { "\($0)\(password == nil ? "" : ":***")@" } ?? ""
        return "\(scheme.rawValue)://\(credentials)\(endpoint)"
    }

    /// How messages name the proxy: "socks5 proxy 127.0.0.1:1080". No user name either: messages reach
    /// API clients, and proxy providers put account and session keys in user names.
    package var label: String { "\(scheme.rawValue) proxy \(endpoint)" }

    /// Every comma-separated entry of a setting's value, in order; an empty value means none.
    static func parseList(_ value: String, setting: String) throws -> [UpstreamProxy] {
        try value.split(separator: ",").map { $0.trimmingBlanks() }.filter { !$0.isEmpty }.map { entry in
            guard let proxy = UpstreamProxy(url: entry) else {
                let shown = entry.lastIndex(of: "@").map { "***" + entry[$0...] } ?? String(entry)
                throw ConfigurationError(setting, expected: "http://, socks5:// or socks5h:// [user:pass@]host:port",
                                         got: String(shown))
            }
            return proxy
        }
    }

    private static func isPlainHost(_ host: Substring) -> Bool {
        !host.isEmpty && host.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && !"/@:[]".utf8.contains($0) }
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var it = text.utf8.makeIterator()
        while let b = it.next() {
            guard b == UInt8(ascii: "%") else { bytes.append(b); continue }
            guard let hi = it.next().flatMap(HTTPSyntax.hexValue), let lo = it.next().flatMap(HTTPSyntax.hexValue) else {
                return nil
            }
            bytes.append(hi << 4 | lo)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

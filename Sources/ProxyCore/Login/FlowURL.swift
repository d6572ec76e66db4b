/// An absolute http(s) URL as the login flows use it: parsed once into the parts a request and the
/// cookie jar need. Fragments are dropped (never sent); userinfo is refused.
package struct FlowURL: Equatable, Sendable, CustomStringConvertible {
    package var secure: Bool
    /// Lowercase; IPv6 without brackets.
    package var host: String
    package var port: UInt16
    /// Starts with `/`.
    package var path: String
    /// Without the `?`; nil when the URL has none.
    package var query: String?

    package init(secure: Bool, host: String, port: UInt16, path: String, query: String? = nil) {
        self.secure = secure
        self.host = host.lowercased()
        self.port = port
        self.path = path.hasPrefix("/") ? path : "/" + path
        self.query = query
    }

    /// A path under a configured base URL, e.g. `{AUTH}/u/login/identifier` with `query`.
    package init(_ origin: UpstreamOrigin, _ path: String, query: String? = nil) {
        self.init(secure: origin.secure, host: origin.host, port: origin.port, path: origin.basePath + path, query: query)
    }

    /// Parses `http[s]://host[:port][/path][?query][#fragment]`; nil for anything else.
    package init?(_ text: String) {
        let scheme = text.prefix { $0 != ":" }
        let text = scheme.lowercased() + text.dropFirst(scheme.count)
        let originText = Self.originPart(of: text)
        guard let origin = UpstreamOrigin(url: originText) else { return nil }
        let rest = text.dropFirst(originText.count)
        self.init(secure: origin.secure, host: origin.host, port: origin.port, pathQuery: rest)
    }

    private init(secure: Bool, host: String, port: UInt16, pathQuery: Substring) {
        var rest = pathQuery
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var path = rest
        var query: String?
        if let mark = rest.firstIndex(of: "?") {
            path = rest[..<mark]
            query = String(rest[rest.index(after: mark)...])
        }
        self.init(secure: secure, host: host, port: port, path: path.isEmpty ? "/" : String(path), query: query)
    }

    /// `scheme://authority`, up to the first `/`, `?` or `#` after the `://`.
    private static func originPart(of text: String) -> String {
        let scheme = text.prefix { $0 != ":" }
        guard text.dropFirst(scheme.count).hasPrefix("://") else { return text }
        let afterScheme = text.dropFirst(scheme.count + 3)
        let end = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
        return String(text[..<end])
    }

    package var origin: UpstreamOrigin { UpstreamOrigin(secure: secure, host: host, port: port) }

    /// The request target.
    package var pathAndQuery: String { query.map { path + "?" + $0 } ?? path }

    package var text: String { origin.webOrigin + pathAndQuery }

    /// Queries carry states and authorization codes, so descriptions (and any log line) leave them out.
    package var description: String { origin.webOrigin + path + (query == nil ? "" : "?…") }

    /// Same scheme, host and port (RFC 6454).
    package func isSameOrigin(_ other: FlowURL) -> Bool {
        secure == other.secure && host == other.host && port == other.port
    }

    /// Resolves a `Location` value against this URL (RFC 3986 section 5.2): absolute, scheme-relative,
    /// absolute-path, query-only or relative-path references. Nil for other schemes or a malformed authority.
    package func resolving(_ reference: String) -> FlowURL? {
        let reference = reference.trimmingBlanks()
        let scheme = reference.prefix { $0 != ":" }.lowercased()
        if (scheme == "http" || scheme == "https") && reference.dropFirst(scheme.count).hasPrefix("://") {
            return FlowURL(String(reference))
        }
        if reference.hasPrefix("//") { return FlowURL((secure ? "https:" : "http:") + reference) }
        if let colon = reference.firstIndex(of: ":"),
           !reference[..<colon].contains(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            return nil
        }
        var target = reference
        if let hash = target.firstIndex(of: "#") { target = target[..<hash] }
        if target.isEmpty { return self }
        if target.hasPrefix("?") {
            return FlowURL(secure: secure, host: host, port: port, path: path, query: String(target.dropFirst()))
        }
        var relativePath = target
        var query: String?
        if let mark = target.firstIndex(of: "?") {
            relativePath = target[..<mark]
            query = String(target[target.index(after: mark)...])
        }
        let merged = relativePath.hasPrefix("/") ? String(relativePath)
            : String(path[...(path.lastIndex(of: "/") ?? path.startIndex)]) + relativePath
        return FlowURL(secure: secure, host: host, port: port, path: Self.removingDotSegments(merged), query: query)
    }

    /// RFC 3986 section 5.2.4, on whole segments.
    static func removingDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            switch segment {
            case ".":
                if isLast { output.append("") }
            case "..":
                if !output.isEmpty { output.removeLast() }
                if isLast { output.append("") }
            default:
                output.append(segment)
            }
        }
        return "/" + output.joined(separator: "/")
    }

    /// The first value of a query parameter, percent-decoded (`+` as space, as forms encode it).
    package func queryValue(_ name: String) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if FormEncoding.decode(parts[0]) == name {
                return parts.count > 1 ? FormEncoding.decode(parts[1]) : ""
            }
        }
        return nil
    }
}

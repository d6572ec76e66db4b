#if canImport(Glibc)
import Glibc
#endif

/// The cookies of one login, as a browser keeps them (RFC 6265 sections 5.3 and 5.4): host-only or
/// domain cookies, paths, Secure, expiry. One jar per login and never shared, so nothing of one
/// user's session can reach another user's request.
package final class CookieJar {
    struct Cookie {
        var name: String
        var value: String
        var domain: String
        var hostOnly: Bool
        var path: String
        var secure: Bool
        /// Seconds since the epoch; nil: until the login ends.
        var expiry: Int64?
        /// Creation order, for the header's tie-break (RFC 6265 5.4 step 2).
        var created: Int
    }

    /// What an upstream can make one login keep: far above what auth0 and next-auth set.
    static let maxCookies = 64
    static let maxCookieBytes = 8192

    private var cookies: [Cookie] = []
    private var nextCreated = 0
    private let now: () -> Int64

    /// `now` gives seconds since the epoch; tests inject a clock.
    package init(now: @escaping () -> Int64 = { Int64(time(nil)) }) {
        self.now = now
    }

    package var count: Int { cookies.count }

    /// Applies every `Set-Cookie` field of a response to `url`, redirects included.
    package func store(_ response: FlowResponse, from url: FlowURL) {
        for value in response.values(of: "set-cookie") { store(value, from: url) }
    }

    package func store(_ header: String, from url: FlowURL) {
        guard header.utf8.count <= Self.maxCookieBytes, let parsed = SetCookie(header) else { return }
        let hostOnly = parsed.domain == nil
        let domain = parsed.domain ?? url.host
        // A Secure cookie from an insecure page is refused (RFC 6265bis 5.6 step 9).
        guard hostOnly || Self.domainMatches(url.host, domain), !parsed.secure || url.secure else { return }
        let expiry: Int64? = parsed.maxAge.map { $0 <= 0 ? Int64.min : now().addingReportingOverflow($0).partialValue }
            ?? parsed.expires
        let path = parsed.path ?? Self.defaultPath(url.path)
        let existing = cookies.firstIndex { $0.name == parsed.name && $0.domain == domain && $0.path == path }
        if let expiry, expiry <= now() {
            if let existing { cookies.remove(at: existing) }
            return
        }
        var cookie = Cookie(name: parsed.name, value: parsed.value, domain: domain, hostOnly: hostOnly, path: path,
                            secure: parsed.secure, expiry: expiry, created: nextCreated)
        if let existing {
            cookie.created = cookies[existing].created
            cookies[existing] = cookie
        } else if cookies.count < Self.maxCookies {
            nextCreated += 1
            cookies.append(cookie)
        }
    }

    /// The `Cookie` value for a request to `url`, longer paths first then older first; nil when none apply.
    package func cookieHeader(for url: FlowURL) -> String? {
        let time = now()
        cookies.removeAll { $0.expiry.map { $0 <= time } ?? false }
        let matching = cookies.filter { cookie in
            (cookie.hostOnly ? url.host == cookie.domain : Self.domainMatches(url.host, cookie.domain))
                && Self.pathMatches(url.path, cookie.path) && (!cookie.secure || url.secure)
        }.sorted { a, b in
            a.path.utf8.count != b.path.utf8.count ? a.path.utf8.count > b.path.utf8.count : a.created < b.created
        }
        guard !matching.isEmpty else { return nil }
        return matching.map { $0.name + "=" + $0.value }.joined(separator: "; ")
    }

    /// RFC 6265 5.1.3: equal, or a suffix after a dot, and never for an IP address.
    static func domainMatches(_ host: String, _ domain: String) -> Bool {
        if host == domain { return true }
        let isAddress = host.contains(":") || host.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }
        return !isAddress && host.hasSuffix("." + domain)
    }

    /// RFC 6265 5.1.4: the directory of the request path.
    static func defaultPath(_ path: String) -> String {
        guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// RFC 6265 5.1.4: equal, or a prefix ending at a `/` boundary.
    static func pathMatches(_ requestPath: String, _ cookiePath: String) -> Bool {
        guard requestPath.hasPrefix(cookiePath) else { return false }
        return requestPath.utf8.count == cookiePath.utf8.count || cookiePath.hasSuffix("/")
            || requestPath.utf8.dropFirst(cookiePath.utf8.count).first == UInt8(ascii: "/")
    }
}

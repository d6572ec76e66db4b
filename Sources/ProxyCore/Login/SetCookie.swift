/// One `Set-Cookie` value parsed as RFC 6265 section 5.2 says, before the jar applies it to a URL.
struct SetCookie: Equatable {
    var name: String
    var value: String
    /// Lowercase, leading dot removed; nil: host-only.
    var domain: String?
    /// Nil or not starting with `/`: the default path applies.
    var path: String?
    var secure = false
    /// `Max-Age` in seconds; wins over `expires`.
    var maxAge: Int64?
    /// `Expires` as seconds since the epoch.
    var expires: Int64?

    init?(_ header: String) {
        let parts = header.split(separator: ";", omittingEmptySubsequences: false)
        guard let pair = parts.first, let equals = pair.firstIndex(of: "=") else { return nil }
        name = String(pair[..<equals].trimmingBlanks())
        value = String(pair[pair.index(after: equals)...].trimmingBlanks())
        guard !name.isEmpty else { return nil }
        for attribute in parts.dropFirst() {
            let equals = attribute.firstIndex(of: "=")
            let key = attribute[..<(equals ?? attribute.endIndex)].trimmingBlanks().lowercased()
            let text = equals.map { attribute[attribute.index(after: $0)...].trimmingBlanks() } ?? ""
            switch key {
            case "expires":
                if let time = CookieDate.parse(text) { expires = time }
            case "max-age":
                if let seconds = Self.maxAge(text) { maxAge = seconds }
            case "domain":
                let domain = text.hasPrefix(".") ? text.dropFirst() : text
                if !domain.isEmpty { self.domain = domain.lowercased() }
            case "path":
                path = text.hasPrefix("/") ? String(text) : nil
            case "secure":
                secure = true
            default:
                // HttpOnly matters only to scripts, SameSite only to browsers deciding by context.
                continue
            }
        }
    }

    /// `-`? digits; values beyond any sensible lifetime are clamped instead of overflowing.
    private static func maxAge(_ text: Substring) -> Int64? {
        let negative = text.hasPrefix("-")
        let digits = negative ? text.dropFirst() : text
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if negative { return 0 }
        return Int64(digits.prefix(12)).map { digits.count > 12 ? 999_999_999_999 : $0 }
    }
}

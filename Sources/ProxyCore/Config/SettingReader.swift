/// Looks settings up by name and alias and turns their text into typed values with setting-named errors.
struct SettingReader {
    let values: [String: String]

    static func isUnknownName(_ name: String) -> Bool {
        name.hasPrefix("PROXYD_") && SettingKey(rawValue: name) == nil
    }

    func rejectUnknownNames() throws {
        if let name = values.keys.filter(Self.isUnknownName).min() {
            throw ConfigurationError(setting: name, problem: "unknown setting (see proxyd --help)")
        }
    }

    /// The value under the setting's own name, else under its first alias present; the first name present
    /// decides even when blank, so that `PROXYD_UPSTREAM_PROXY=` can switch off a `PROXY` from elsewhere.
    /// Nil when absent or blank.
    func given(_ key: SettingKey) -> (name: String, text: String)? {
        for name in [key.rawValue] + Configuration.setting(key).aliases {
            guard let value = values[name] else { continue }
            let text = value.trimmingBlanks()
            return text.isEmpty ? nil : (name, String(text))
        }
        return nil
    }

    /// The given value or else the table's literal default, parsed.
    func withDefault<T>(_ key: SettingKey, expected: String, _ parse: (String) -> T?) throws -> T {
        let (name, text) = given(key) ?? (key.rawValue, Configuration.setting(key).defaultValue ?? "")
        guard let value = parse(text) else { throw ConfigurationError(name, expected: expected, got: text) }
        return value
    }

    func origin(_ key: SettingKey) throws -> UpstreamOrigin {
        try withDefault(key, expected: "an http:// or https:// URL such as https://host[:port][/path]") {
            UpstreamOrigin(url: $0)
        }
    }

    static let maxTimeoutSeconds: UInt64 = 86_400

    func milliseconds(_ key: SettingKey) throws -> UInt64 {
        try withDefault(key, expected: "seconds above 0 and at most \(Self.maxTimeoutSeconds), with at most 3 decimals",
                        Self.milliseconds(fromSeconds:))
    }

    /// `10`, `0.5`, `2.125`; more than millisecond precision is refused rather than silently rounded.
    static func milliseconds(fromSeconds text: String) -> UInt64? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard !parts[0].isEmpty, let whole = Configuration.wholeNumber(String(parts[0])), whole <= maxTimeoutSeconds,
              parts.count == 1 || !fraction.isEmpty, fraction.utf8.count <= 3,
              let millis = Configuration.wholeNumber(fraction + String(repeating: "0", count: 3 - fraction.utf8.count))
        else { return nil }
        let total = whole * 1000 + millis
        return total > 0 && total <= maxTimeoutSeconds * 1000 ? total : nil
    }

    /// The minimum must not exceed the maximum, or no TTL could satisfy both.
    func dnsTTLBounds() throws -> (min: UInt64, max: UInt64) {
        let low = try milliseconds(.dnsMinTTL)
        let high = try milliseconds(.dnsMaxTTL)
        guard low <= high else {
            throw ConfigurationError(setting: (given(.dnsMinTTL) ?? given(.dnsMaxTTL))?.name ?? SettingKey.dnsMinTTL.rawValue,
                                     problem: "minimum TTL \(secondsText(low)) s exceeds the maximum TTL \(secondsText(high)) s")
        }
        return (low, high)
    }

    /// `PROXYD_LISTEN` is `host:port`; its aliases carry only a port, as in the original program.
    func listenAddress() throws -> (host: String, port: UInt16) {
        let defaultHost = "0.0.0.0"
        if let (name, text) = given(.listen), name != SettingKey.listen.rawValue {
            guard let port = AddressText.port(text[...]) else {
                throw ConfigurationError(name, expected: "a port number from 1 to 65535", got: text)
            }
            return (defaultHost, port)
        }
        return try withDefault(.listen, expected: Self.hostPortForms) { Self.hostPort($0, defaultHost: defaultHost) }
    }

    /// `PROXYD_ADMIN_LISTEN`: `host:port` as for `PROXYD_LISTEN`, a bare `:port` on loopback only (the admin
    /// routes are for the machine's own scraper unless said otherwise), or `off`: nil.
    func adminAddress() throws -> (host: String, port: UInt16)? {
        try withDefault(.adminListen, expected: Self.hostPortForms + ", or off") { text in
            text.lowercased() == "off" ? .some(nil) : Self.hostPort(text, defaultHost: "127.0.0.1").map { .some($0) }
        }
    }

    private static let hostPortForms = "host:port with a numeric IPv4 or [IPv6] host and a port from 1 to 65535"

    private static func hostPort(_ text: String, defaultHost: String) -> (host: String, port: UInt16)? {
        guard let (host, portText, bracketed) = AddressText.splitHostPort(text[...]), let portText,
              let port = AddressText.port(portText) else { return nil }
        if host.isEmpty && !bracketed { return (defaultHost, port) }
        if host == "localhost" && !bracketed { return ("127.0.0.1", port) }
        return AddressText.numericHost(host, bracketed: bracketed).map { ($0, port) }
    }
}

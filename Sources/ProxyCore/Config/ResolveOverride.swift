/// A static answer for one host and port, as curl's `--resolve host:port:address`.
package struct ResolveOverride: Hashable, Sendable {
    /// Lowercased, since host names compare case-insensitively.
    package var host: String
    package var port: UInt16
    /// A numeric IPv4 or IPv6 address, without brackets.
    package var address: String

    package init(host: String, port: UInt16, address: String) {
        self.host = host
        self.port = port
        self.address = address
    }

    /// Parses `host:port:address[,address...][,host:port:address...]`. As with curl, entries after the first
    /// address that are bare addresses add more addresses for the same host and port; each becomes one override.
    static func parseList(_ value: String, setting: String) throws -> [ResolveOverride] {
        var result: [ResolveOverride] = []
        for entry in value.split(separator: ",").map({ $0.trimmingBlanks() }) where !entry.isEmpty {
            if let previous = result.last, let address = AddressText.numericIP(entry) {
                result.append(ResolveOverride(host: previous.host, port: previous.port, address: address))
                continue
            }
            guard let override = ResolveOverride(entry: entry) else {
                throw ConfigurationError(setting, expected: "host:port:address with a numeric IPv4 or IPv6 address",
                                         got: String(entry))
            }
            result.append(override)
        }
        return result
    }

    private init?(entry: Substring) {
        let parts = entry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[0].contains("["), let port = AddressText.port(parts[1]),
              let address = AddressText.numericIP(parts[2])
        else { return nil }
        self.init(host: parts[0].lowercased(), port: port, address: address)
    }
}

/// A DNS server the resolver queries.
package struct DNSServer: Hashable, Sendable {
    /// A numeric IPv4 or IPv6 address, without brackets.
    package var address: String
    package var port: UInt16

    package init(address: String, port: UInt16 = 53) {
        self.address = address
        self.port = port
    }

    /// Parses `ip[:port][,...]`; an IPv6 address takes brackets when a port follows.
    static func parseList(_ value: String, setting: String) throws -> [DNSServer] {
        try value.split(separator: ",").map { $0.trimmingBlanks() }.filter { !$0.isEmpty }.map { entry in
            guard let server = DNSServer(entry: entry) else {
                throw ConfigurationError(setting, expected: "ip[:port] or [ipv6]:port", got: String(entry))
            }
            return server
        }
    }

    private init?(entry: Substring) {
        if AddressText.isIPv6(entry) {
            self.init(address: String(entry))
            return
        }
        guard let (host, portText, bracketed) = AddressText.splitHostPort(entry),
              let address = AddressText.numericHost(host, bracketed: bracketed)
        else { return nil }
        guard let portText else {
            self.init(address: address)
            return
        }
        guard let port = AddressText.port(portText) else { return nil }
        self.init(address: address, port: port)
    }
}

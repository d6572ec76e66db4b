import Glibc

/// An allowed range of client addresses, `10.0.0.0/8` or `2001:db8::/32`; a bare address is a range of one.
/// IPv4 ranges (and IPv6 ones inside `::ffff:0:0/96`) match IPv4 clients, IPv6 ranges IPv6 clients: `::/0`
/// does not let every IPv4 client in by the back door of the mapped form.
package struct CIDRBlock: Equatable, Sendable, CustomStringConvertible {
    /// As written, so that rewriting a keys file keeps it.
    package let description: String
    private let network: ClientAddress
    private let maskHigh: UInt64
    private let maskLow: UInt64

    /// Host bits set past the prefix (`10.0.0.1/8`) are refused rather than cleared: the writer may have meant
    /// a single host or a smaller range, and guessing either way lets the wrong clients in.
    package init(_ text: Substring) throws(KeysFileProblem) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let expected = "a CIDR such as 10.0.0.0/8 or 2001:db8::/32"
        // IPv4 only without a colon, so that `::ffff:10.0.0.0/104` counts its prefix in IPv6 bits.
        let isIPv4Text = !parts[0].contains(":")
        guard let address = Self.address(parts[0], family: isIPv4Text ? AF_INET : AF_INET6) else {
            throw KeysFileProblem("cidrs", expected: expected, got: text)
        }
        let width = isIPv4Text ? 32 : 128
        var prefix = width
        if parts.count == 2 {
            guard parts[1].utf8.count <= 3, parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(parts[1]),
                  n <= width else { throw KeysFileProblem("cidrs", expected: expected, got: text) }
            prefix = n
        }
        let bits = isIPv4Text ? 96 + prefix : prefix
        maskHigh = bits >= 64 ? .max : bits == 0 ? 0 : .max << (64 - bits)
        maskLow = bits <= 64 ? 0 : bits == 128 ? .max : .max << (128 - bits)
        guard address.high & ~maskHigh == 0, address.low & ~maskLow == 0 else {
            throw KeysFileProblem("cidrs: \(jsonQuoted(String(text))) has address bits set past its /\(prefix)")
        }
        network = address
        description = String(text)
    }

    /// A range's network is IPv4-mapped only when the range lies inside `::ffff:0:0/96` (shorter prefixes with
    /// such a network have host bits set), so comparing the families keeps IPv4 and IPv6 ranges apart.
    package func contains(_ peer: ClientAddress) -> Bool {
        peer.isIPv4 == network.isIPv4 && peer.high & maskHigh == network.high && peer.low & maskLow == network.low
    }

    private static func address(_ text: Substring, family: Int32) -> ClientAddress? {
        guard !text.isEmpty, text.utf8.count < 64 else { return nil }
        var raw = (UInt64(0), UInt64(0))
        guard String(text).withCString({ inet_pton(family, $0, &raw) }) == 1 else { return nil }
        return withUnsafeBytes(of: raw) { ClientAddress(bytes: UnsafeRawBufferPointer(rebasing: $0[..<(family == AF_INET ? 4 : 16)])) }
    }
}

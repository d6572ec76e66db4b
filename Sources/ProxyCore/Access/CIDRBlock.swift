import Glibc

/// An allowed range of client addresses, `10.0.0.0/8` or `2001:db8::/32`; a bare address is a range of one.
/// IPv4 ranges match IPv4 clients (and IPv4-mapped IPv6 ones), IPv6 ranges IPv6 clients: `::/0` does not let
/// every IPv4 client in by the back door of the mapped form.
package struct CIDRBlock: Equatable, Sendable, CustomStringConvertible {
    /// As written, so that rewriting a keys file keeps it.
    package let description: String
    private let network: PeerAddress
    private let maskHigh: UInt64
    private let maskLow: UInt64

    /// Host bits set past the prefix (`10.0.0.1/8`) are refused rather than cleared: the writer may have meant
    /// a single host or a smaller range, and guessing either way lets the wrong clients in.
    package init(_ text: Substring) throws(KeysFileProblem) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let expected = "a CIDR such as 10.0.0.0/8 or 2001:db8::/32"
        guard let address = Self.address(parts[0]) else { throw KeysFileProblem("cidrs", expected: expected, got: text) }
        let width = address.isIPv4 ? 32 : 128
        var prefix = width
        if parts.count == 2 {
            guard parts[1].utf8.count <= 3, parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(parts[1]),
                  n <= width else { throw KeysFileProblem("cidrs", expected: expected, got: text) }
            prefix = n
        }
        let bits = address.isIPv4 ? 96 + prefix : prefix
        maskHigh = bits >= 64 ? .max : bits == 0 ? 0 : .max << (64 - bits)
        maskLow = bits <= 64 ? 0 : bits == 128 ? .max : .max << (128 - bits)
        guard address.high & ~maskHigh == 0, address.low & ~maskLow == 0 else {
            throw KeysFileProblem("cidrs: \(jsonQuoted(String(text))) has address bits set past its /\(prefix)")
        }
        // An IPv6 range inside ::ffff:0:0/96 holds IPv4 clients only, as `PeerAddress` sees them.
        network = PeerAddress(isIPv4: address.isIPv4 || bits >= 96 && address.high == 0
                                  && address.low >> 32 == PeerAddress.mappedPrefix >> 32,
                              high: address.high, low: address.low)
        description = String(text)
    }

    package func contains(_ peer: PeerAddress) -> Bool {
        peer.isIPv4 == network.isIPv4 && peer.high & maskHigh == network.high && peer.low & maskLow == network.low
    }

    /// IPv4 only without a colon, so `::ffff:10.0.0.1` reads as the IPv6 form it is written in.
    private static func address(_ text: Substring) -> PeerAddress? {
        guard !text.isEmpty, text.utf8.count < 64 else { return nil }
        var raw = (UInt64(0), UInt64(0))
        let family = text.contains(":") ? AF_INET6 : AF_INET
        guard String(text).withCString({ inet_pton(family, $0, &raw) }) == 1 else { return nil }
        return withUnsafeBytes(of: raw) { PeerAddress(bytes: UnsafeRawBufferPointer(rebasing: $0[..<(family == AF_INET ? 4 : 16)])) }
            .map { family == AF_INET6 ? PeerAddress(isIPv4: false, high: $0.high, low: $0.low) : $0 }
    }
}

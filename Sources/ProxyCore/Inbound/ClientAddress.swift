import Glibc

/// A client's IP address as two integers, made once per connection from its sockaddr, without allocating:
/// what keys' CIDRs are matched against and failed key checks are counted by. IPv6 is its 16 bytes in network
/// order (the first 8 in `high`); IPv4 is held in its IPv4-mapped form `::ffff:a.b.c.d`, so a dual-stack
/// listener on `[::]`, which sees IPv4 clients that way, and one on `0.0.0.0` see a client as the same address.
package struct ClientAddress: Hashable, Sendable {
    package let high: UInt64
    package let low: UInt64

    package init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// `a.b.c.d` as the integer `a << 24 | b << 16 | c << 8 | d`.
    package init(ipv4: UInt32) {
        self.init(high: 0, low: 0xFFFF << 32 | UInt64(ipv4))
    }

    /// 4 bytes (IPv4) or 16 (IPv6) in network order, as a socket address or the PROXY protocol carries them.
    package init?(bytes: UnsafeRawBufferPointer) {
        switch bytes.count {
        case 4: self.init(ipv4: UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self)))
        case 16:
            self.init(high: UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)),
                      low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        default: return nil
        }
    }

    /// The address of an `AF_INET` or `AF_INET6` socket address (from accept or getpeername); nil for others.
    package init?(_ address: UnsafePointer<sockaddr>) {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            let sin = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in.self)
            self.init(ipv4: UInt32(bigEndian: sin.sin_addr.s_addr))
        case AF_INET6:
            var sin6 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in6.self)
            guard let parsed = withUnsafeBytes(of: &sin6.sin6_addr, { ClientAddress(bytes: $0) }) else { return nil }
            self = parsed
        default:
            return nil
        }
    }

    /// IPv4, or IPv4-mapped IPv6.
    package var isIPv4: Bool {
        high == 0 && low >> 32 == 0xFFFF
    }

    /// The address with an IPv6 one cut to its first `bits` (an IPv6 host usually holds a whole /64 and can
    /// change its address within it at will); IPv4 whole.
    func network(ipv6PrefixBits bits: Int) -> ClientAddress {
        guard !isIPv4, bits < 128 else { return self }
        // `>>` by 64 or more gives 0: a whole word kept.
        if bits <= 64 { return ClientAddress(high: high & ~(UInt64.max >> bits), low: 0) }
        return ClientAddress(high: high, low: low & ~(UInt64.max >> (bits - 64)))
    }
}

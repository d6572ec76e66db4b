import Glibc

/// A client's IP address as two integers, made once per connection from its sockaddr, without allocating.
/// IPv6 is its 16 bytes in network order (the first 8 in `high`); IPv4 is held in its IPv4-mapped form
/// `::ffff:a.b.c.d`, so a dual-stack listener on `[::]`, which sees IPv4 clients that way, and one on `0.0.0.0`
/// see a client as the same address, and the same CIDRs apply to it.
package struct PeerAddress: Hashable, Sendable {
    package let high: UInt64
    package let low: UInt64

    package init(high: UInt64, low: UInt64) {
        (self.high, self.low) = (high, low)
    }

    /// `a.b.c.d` as the integer `a << 24 | b << 16 | c << 8 | d`.
    package init(ipv4: UInt32) {
        self.init(high: 0, low: 0xFFFF << 32 | UInt64(ipv4))
    }

    /// 4 bytes (IPv4) or 16 (IPv6) in network order; nil for any other count.
    package init?(bytes: UnsafeRawBufferPointer) {
        switch bytes.count {
        case 4:
            self.init(ipv4: UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self)))
        case 16:
            self.init(high: UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)),
                      low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        default:
            return nil
        }
    }

    /// The address of an `AF_INET` or `AF_INET6` socket address (from accept or getpeername); nil for other
    /// families (a Unix socket).
    package init?(_ address: UnsafePointer<sockaddr>) {
        let raw = UnsafeRawPointer(address)
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            self.init(ipv4: UInt32(bigEndian: raw.loadUnaligned(as: sockaddr_in.self).sin_addr.s_addr))
        case AF_INET6:
            let offset = MemoryLayout<sockaddr_in6>.offset(of: \sockaddr_in6.sin6_addr)!
            self.init(bytes: UnsafeRawBufferPointer(start: raw + offset, count: 16))
        default:
            return nil
        }
    }

    /// IPv4, or IPv4-mapped IPv6.
    package var isIPv4: Bool {
        high == 0 && low >> 32 == 0xFFFF
    }
}

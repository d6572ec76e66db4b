import Glibc

/// A client's IP address as 128 bits, made once per connection from its sockaddr, without allocating.
/// IPv4 is held in its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`) with `isIPv4` set, and a mapped address is
/// taken as the IPv4 address it carries: a dual-stack listener on `[::]` sees IPv4 clients that way, and the
/// same CIDRs must apply however the listener was bound.
package struct PeerAddress: Equatable, Sendable {
    let isIPv4: Bool
    let high: UInt64
    let low: UInt64

    static let mappedPrefix: UInt64 = 0xFFFF_0000_0000

    /// The address of a `sockaddr_in` or `sockaddr_in6`; nil for other families (a Unix socket).
    package init?(sockaddr address: UnsafeRawPointer) {
        switch Int32(address.loadUnaligned(as: sockaddr.self).sa_family) {
        case AF_INET:
            self.init(ipv4: UInt32(bigEndian: address.loadUnaligned(as: sockaddr_in.self).sin_addr.s_addr))
        case AF_INET6:
            let offset = MemoryLayout<sockaddr_in6>.offset(of: \sockaddr_in6.sin6_addr)!
            self.init(bytes: UnsafeRawBufferPointer(start: address + offset, count: 16))
        default:
            return nil
        }
    }

    /// 4 or 16 bytes in network order; nil for any other count.
    package init?(bytes: UnsafeRawBufferPointer) {
        func word(_ start: Int, _ count: Int) -> UInt64 {
            bytes[start..<(start + count)].reduce(0) { $0 << 8 | UInt64($1) }
        }
        switch bytes.count {
        case 4:
            self.init(ipv4: UInt32(word(0, 4)))
        case 16:
            let (high, low) = (word(0, 8), word(8, 8))
            self.init(isIPv4: high == 0 && low >> 32 == Self.mappedPrefix >> 32, high: high, low: low)
        default:
            return nil
        }
    }

    init(ipv4: UInt32) {
        self.init(isIPv4: true, high: 0, low: Self.mappedPrefix | UInt64(ipv4))
    }

    init(isIPv4: Bool, high: UInt64, low: UInt64) {
        (self.isIPv4, self.high, self.low) = (isIPv4, high, low)
    }
}

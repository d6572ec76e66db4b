import Glibc

/// A numeric IPv4 or IPv6 socket address, as the kernel takes it.
struct SocketAddress: CustomStringConvertible {
    private(set) var storage = sockaddr_storage()
    private(set) var length: socklen_t = 0

    /// Parses a numeric address ("127.0.0.1", "::1", "[::1]").
    init?(ip: String, port: UInt16) {
        var text = ip
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET, text, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            setStorage(&v4)
        } else if inet_pton(AF_INET6, text, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            setStorage(&v6)
        } else {
            return nil
        }
    }

    /// Copies an address returned by getaddrinfo.
    init(_ address: UnsafePointer<sockaddr>, length: socklen_t) {
        withUnsafeMutableBytes(of: &storage) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(length)))
        }
        self.length = length
    }

    private mutating func setStorage<T>(_ value: inout T) {
        withUnsafeBytes(of: &value) { src in
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) }
        }
        length = socklen_t(MemoryLayout<T>.size)
    }

    var isIPv6: Bool { Int32(storage.ss_family) == AF_INET6 }

    /// The address alone in network order (4 or 16 bytes), as SOCKS5 sends it.
    var addressBytes: [UInt8] {
        withUnsafeBytes(of: storage) { raw -> [UInt8] in
            if isIPv6 {
                let offset = MemoryLayout<sockaddr_in6>.offset(of: \sockaddr_in6.sin6_addr) ?? 8
                return Array(raw[offset..<offset + 16])
            }
            let offset = MemoryLayout<sockaddr_in>.offset(of: \sockaddr_in.sin_addr) ?? 4
            return Array(raw[offset..<offset + 4])
        }
    }

    /// RFC 8305 section 4: alternate the families, starting with IPv6, keeping the resolver's order within each.
    static func happyEyeballsOrder(_ addresses: [SocketAddress]) -> [SocketAddress] {
        let v6 = addresses.filter(\.isIPv6)
        let v4 = addresses.filter { !$0.isIPv6 }
        var ordered: [SocketAddress] = []
        ordered.reserveCapacity(addresses.count)
        for i in 0..<max(v6.count, v4.count) {
            if i < v6.count { ordered.append(v6[i]) }
            if i < v4.count { ordered.append(v4[i]) }
        }
        return ordered
    }

    /// The peer of a connected socket (getpeername); nil when it has none.
    static func peer(of fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getpeername(fd, $0, &length) == 0 ? SocketAddress($0, length: length) : nil
            }
        }
    }

    func withSockaddr<R>(_ body: (UnsafeRawPointer, socklen_t) -> R) -> R {
        withUnsafeBytes(of: storage) { body($0.baseAddress!, length) }
    }

    var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        return withUnsafeBytes(of: storage) { raw -> String in
            if Int32(storage.ss_family) == AF_INET {
                let sin = raw.load(as: sockaddr_in.self)
                var addr = sin.sin_addr
                inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count))
                return "\(String(cString: buffer)):\(UInt16(bigEndian: sin.sin_port))"
            }
            let sin6 = raw.load(as: sockaddr_in6.self)
            var addr = sin6.sin6_addr
            inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count))
            return "[\(String(cString: buffer))]:\(UInt16(bigEndian: sin6.sin6_port))"
        }
    }
}

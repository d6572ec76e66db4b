import Glibc

/// What one lookup of a name found. Addresses carry port 0: the cache is per name, and each
/// caller attaches its own port.
enum DNSResult {
    case addresses([SocketAddress], ttlSeconds: UInt32)
    /// NXDOMAIN or NODATA: the name definitely has no address.
    case notFound(String)
    /// The servers failed (SERVFAIL, refused, unreachable): says nothing about the name.
    case failure(String)
    case timedOut

    /// Whether the answer is about the name rather than about the servers' health.
    var isDefinitive: Bool {
        switch self {
        case .addresses, .notFound: return true
        case .failure, .timedOut: return false
        }
    }
}

/// How long each kind of result is kept, in milliseconds.
struct DNSCachePolicy {
    var minTTLMs: UInt64
    var maxTTLMs: UInt64
    var negativeTTLMs: UInt64

    /// RFC 9520: resolution failures are cached for at least a second, so a failing server is not
    /// asked again for every request.
    static let failureTTLMs: UInt64 = 1000

    /// Nil: not cached. Timeouts are not cached: a new request starts a new query with a full timeout.
    func lifetime(of result: DNSResult) -> UInt64? {
        switch result {
        case .addresses(_, let ttlSeconds):
            return min(max(UInt64(ttlSeconds) * 1000, minTTLMs), maxTTLMs)
        case .notFound:
            return negativeTTLMs
        case .failure:
            return Self.failureTTLMs
        case .timedOut:
            return nil
        }
    }
}

/// Results by host name until they expire; one per worker, so no locking.
struct DNSCache {
    private struct Entry {
        var result: DNSResult
        var expires: UInt64
    }

    let policy: DNSCachePolicy
    private var entries: [String: Entry] = [:]

    init(policy: DNSCachePolicy) {
        self.policy = policy
    }

    mutating func lookup(_ host: String, now: UInt64) -> DNSResult? {
        guard let entry = entries[host] else { return nil }
        guard entry.expires > now else {
            entries[host] = nil
            return nil
        }
        return entry.result
    }

    mutating func store(_ host: String, _ result: DNSResult, now: UInt64) {
        guard let lifetime = policy.lifetime(of: result) else { return }
        entries[host] = Entry(result: result, expires: now &+ lifetime)
    }
}

extension SocketAddress {
    /// The same address with another port; IPv4 and IPv6 keep the port at the same offset.
    func withPort(_ port: UInt16) -> SocketAddress {
        var copy = storage
        let offset = MemoryLayout<sockaddr_in>.offset(of: \.sin_port) ?? 2
        withUnsafeMutableBytes(of: &copy) { $0.storeBytes(of: port.bigEndian, toByteOffset: offset, as: UInt16.self) }
        return withUnsafePointer(to: &copy) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress($0, length: length) }
        }
    }
}

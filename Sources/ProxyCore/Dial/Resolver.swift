import Glibc

/// Whoever waits for a lookup that did not answer at once.
protocol ResolverClient: AnyObject {
    func didResolve(_ answer: Resolver.Answer)
}

/// Turns an upstream host name into addresses for one worker. Numeric hosts and `PROXYD_RESOLVE`
/// overrides answer at once; other names go to getaddrinfo on a short-lived thread (a stopgap until
/// c-ares runs inside the loop), and the answer comes back through the loop's mailbox. Answers are
/// cached, failures briefly too, and concurrent lookups of one name share a single query.
final class Resolver {
    struct Key: Hashable {
        var host: String
        var port: UInt16
    }

    enum Answer {
        case addresses([SocketAddress])
        case failure(String)
    }

    private unowned let loop: EventLoop
    private let overrides: [Key: [SocketAddress]]
    private var cache: [Key: (answer: Answer, expires: UInt64)] = [:]
    private var waiting: [Key: [ResolverClient]] = [:]

    private static let positiveTTL: UInt64 = 60_000
    private static let negativeTTL: UInt64 = 5_000

    init(loop: EventLoop, overrides: [Key: [SocketAddress]]) {
        self.loop = loop
        self.overrides = overrides
    }

    /// Returns an answer now, or nil when `client.didResolve` will be called later.
    func resolve(host: String, port: UInt16, for client: ResolverClient) -> Answer? {
        let key = Key(host: host, port: port)
        if let fixed = overrides[key] { return .addresses(fixed) }
        if let numeric = SocketAddress(ip: host, port: port) { return .addresses([numeric]) }
        if let hit = cache[key], hit.expires > loop.now { return hit.answer }
        if waiting[key] != nil {
            waiting[key]!.append(client)
            return nil
        }
        waiting[key] = [client]
        let loop = self.loop
        do {
            try startThread(detached: true) { [unowned self] in
                let answer = Self.lookup(key)
                loop.post { self.finish(key, answer) }
            }
        } catch {
            waiting[key] = nil
            return .failure("cannot start a lookup: \(error)")
        }
        return nil
    }

    /// A client that gave up (timeout, cancel) stops waiting.
    func cancel(_ client: ResolverClient, host: String, port: UInt16) {
        let key = Key(host: host, port: port)
        waiting[key]?.removeAll { $0 === client }
    }

    private func finish(_ key: Key, _ answer: Answer) {
        let ttl: UInt64
        if case .addresses = answer { ttl = Self.positiveTTL } else { ttl = Self.negativeTTL }
        cache[key] = (answer, loop.now + ttl)
        let clients = waiting.removeValue(forKey: key) ?? []
        for client in clients { client.didResolve(answer) }
    }

    /// Runs off the loop: blocking getaddrinfo.
    private static func lookup(_ key: Key) -> Answer {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(key.host, String(key.port), &hints, &result)
        guard rc == 0 else {
            return .failure(rc == EAI_SYSTEM ? errnoText(errno) : String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(result) }
        var addresses: [SocketAddress] = []
        var entry = result
        while let info = entry {
            if let addr = info.pointee.ai_addr,
               info.pointee.ai_family == AF_INET || info.pointee.ai_family == AF_INET6 {
                addresses.append(SocketAddress(addr, length: info.pointee.ai_addrlen))
            }
            entry = info.pointee.ai_next
        }
        return addresses.isEmpty ? .failure("no IPv4 or IPv6 address") : .addresses(addresses)
    }
}

/// Whoever waits for a lookup that did not answer at once.
protocol ResolverClient: AnyObject {
    func didResolve(_ answer: Resolver.Answer)
}

/// Turns an upstream host name into addresses (IPv6 and IPv4) for one worker. Numeric hosts and
/// `PROXYD_RESOLVE` overrides answer at once; other names go to /etc/hosts and DNS through the
/// worker's c-ares channel, inside its event loop. Results are cached per name (TTLs within the
/// configured bounds, NXDOMAIN/NODATA for the negative TTL), and concurrent lookups of one name share
/// one query. The DNS timeout is kept here: when it runs out, every waiter gets `.timedOut`.
final class Resolver: EventHandler {
    struct Key: Hashable {
        var host: String
        var port: UInt16
    }

    enum Answer {
        case addresses([SocketAddress])
        case failure(String)
        /// No answer within `PROXYD_DNS_TIMEOUT`.
        case timedOut
    }

    private struct Waiter {
        let client: ResolverClient
        let port: UInt16
    }

    /// One query in flight for a name; `generation` tells its result from that of an earlier,
    /// abandoned query for the same name.
    private struct Lookup {
        var waiters: [Waiter]
        let deadline: UInt64
        let generation: UInt64
    }

    private unowned let loop: EventLoop
    private let overrides: [Key: [SocketAddress]]
    private let channel: DNSChannel
    private var cache: DNSCache
    private var lookups: [String: Lookup] = [:]
    private var generation: UInt64 = 0
    private let timeoutMs: UInt64
    private let metrics: WorkerMetrics

    init(loop: EventLoop, overrides: [Key: [SocketAddress]], configuration: Configuration,
         metrics: WorkerMetrics) throws {
        self.loop = loop
        self.metrics = metrics
        self.overrides = overrides
        timeoutMs = configuration.dnsTimeoutMs
        cache = DNSCache(policy: DNSCachePolicy(minTTLMs: configuration.dnsMinTTLMs, maxTTLMs: configuration.dnsMaxTTLMs,
                                                negativeTTLMs: configuration.dnsNegativeTTLMs))
        channel = try DNSChannel(loop: loop, servers: configuration.dnsServers, timeoutMs: configuration.dnsTimeoutMs)
        super.init()
        channel.owner = self
    }

    /// Returns an answer now, or nil when `client.didResolve` will be called later.
    func resolve(host: String, port: UInt16, for client: ResolverClient) -> Answer? {
        if let fixed = overrides[Key(host: host, port: port)] { return .addresses(fixed) }
        if let numeric = SocketAddress(ip: host, port: port) { return .addresses([numeric]) }
        if let hit = cache.lookup(host, now: loop.now) {
            metrics.count(.dnsCacheHits)
            return Self.answer(hit, port: port)
        }
        metrics.count(.dnsCacheMisses)
        let waiter = Waiter(client: client, port: port)
        if lookups[host] != nil {
            lookups[host]!.waiters.append(waiter)
            return nil
        }
        generation += 1
        let deadline = loop.now &+ timeoutMs
        // In place before c-ares runs: results it hands over meanwhile may lead to lookups of this name.
        lookups[host] = Lookup(waiters: [], deadline: deadline, generation: generation)
        if let result = channel.query(host, generation: generation) {
            dnsDidFinish(host, generation: generation, result)
            return Self.answer(result, port: port)
        }
        guard lookups[host] != nil else {
            // Settled while c-ares ran (by an abandoned query's late answer): the cache has it.
            return cache.lookup(host, now: loop.now).map { Self.answer($0, port: port) } ?? .timedOut
        }
        lookups[host]!.waiters.append(waiter)
        if deadline < self.deadline { loop.setDeadline(self, deadline) }
        return nil
    }

    /// A client that gave up (timeout, cancel) stops waiting; the query goes on and fills the cache.
    func cancel(_ client: ResolverClient, host: String) {
        lookups[host]?.waiters.removeAll { $0.client === client }
    }

    /// A result from the channel. One from an abandoned query still answers the name if it is definitive.
    func dnsDidFinish(_ host: String, generation: UInt64, _ result: DNSResult) {
        let current = lookups[host]
        guard current?.generation == generation || result.isDefinitive else { return }
        cache.store(host, result, now: loop.now)
        guard let lookup = current else { return }
        lookups[host] = nil
        for waiter in lookup.waiters { waiter.client.didResolve(Self.answer(result, port: waiter.port)) }
    }

    /// The DNS timeout: lookups past their deadline fail their waiters and are forgotten, so the next
    /// request starts a fresh query; c-ares may still answer the old one into the cache.
    override func handleTimeout() {
        let now = loop.now
        let expired = lookups.filter { $0.value.deadline <= now }
        for host in expired.keys { lookups[host] = nil }
        for lookup in expired.values {
            for waiter in lookup.waiters { waiter.client.didResolve(.timedOut) }
        }
        if let next = lookups.values.map(\.deadline).min() { loop.setDeadline(self, next) }
    }

    private static func answer(_ result: DNSResult, port: UInt16) -> Answer {
        switch result {
        case .addresses(let list, _): return .addresses(list.map { $0.withPort(port) })
        case .notFound(let message), .failure(let message): return .failure(message)
        case .timedOut: return .timedOut
        }
    }
}

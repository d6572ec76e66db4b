import Glibc

/// One worker's view of the configured upstream proxies: which are up, and which one a request takes.
/// A proxy that could not be used (unreachable, broken handshake, refused credentials) is down for a
/// backoff that doubles with each failure up to `maxBackoffMs`; when it ends a probe (a TCP connect)
/// decides whether it is back. Per worker and unlocked: workers learn of a dead proxy independently.
final class ProxySet {
    private struct Health {
        var down = false
        var failures = 0
        var downUntil: UInt64 = 0
    }

    static let baseBackoffMs: UInt64 = 1_000
    static let maxBackoffMs: UInt64 = 60_000

    let proxies: [UpstreamProxy]
    private let policy: ProxyPolicy
    private unowned let worker: Worker
    private var health: [Health]
    private var probes: [ProxyProbe] = []
    private var nextInTurn = 0

    init(worker: Worker) {
        self.worker = worker
        proxies = worker.configuration.upstreamProxies
        policy = worker.configuration.proxyPolicy
        health = Array(repeating: Health(), count: proxies.count)
    }

    /// The route for a new connection. When every proxy is down the one that comes back soonest is tried
    /// anyway: a request should fail with that proxy's real error, not a bookkeeping one.
    /// `stickyKey` (a client's token) keeps one user on one proxy under the sticky policy; it is only
    /// looked up then.
    func route(stickyKey: @autoclosure () -> String?) -> DialRoute {
        guard !proxies.isEmpty else { return .direct }
        guard proxies.count > 1 else { return .proxy(0) }
        let first: Int
        if policy == .sticky, let stickyKey = stickyKey() {
            first = Int(Self.fnv1a(stickyKey) % UInt64(proxies.count))
        } else {
            first = nextInTurn
            nextInTurn = (nextInTurn + 1) % proxies.count
        }
        if let up = Self.firstUp(from: first, count: proxies.count, isDown: { health[$0].down }) { return .proxy(up) }
        return .proxy(health.indices.min { health[$0].downUntil < health[$1].downUntil } ?? first)
    }

    /// The first proxy at or after `first`, wrapping around, that is up: a sticky token whose proxy is down
    /// always moves to the same next one.
    static func firstUp(from first: Int, count: Int, isDown: (Int) -> Bool) -> Int? {
        for offset in 0..<count {
            let index = (first + offset) % count
            if !isDown(index) { return index }
        }
        return nil
    }

    var anyUp: Bool { health.contains { !$0.down } }

    func isDown(_ index: Int) -> Bool { health[index].down }

    func markDown(_ index: Int, reason: String) {
        health[index].failures += 1
        let doublings = min(health[index].failures - 1, 6)
        let backoff = min(Self.baseBackoffMs << UInt64(doublings), Self.maxBackoffMs)
        health[index].down = true
        health[index].downUntil = worker.loop.now &+ backoff
        worker.metrics.proxyHealth(index, down: true, failed: true)
        Log.warning("upstream proxy \(proxies[index]) is down for \(secondsText(backoff)) s: \(reason)")
        probe(index).schedule(at: health[index].downUntil)
    }

    /// A real dial through the proxy worked: it is up and its backoff starts over.
    func markUp(_ index: Int) {
        guard health[index].failures > 0 else { return }
        if health[index].down { Log.info("upstream proxy \(proxies[index]) is back") }
        health[index] = Health()
        worker.metrics.proxyHealth(index, down: false)
        probe(index).cancel()
    }

    /// The probe reached the proxy: requests may try it again. Its failure count stays until a real dial
    /// works, so a proxy that accepts TCP but refuses the handshake backs off longer each time.
    func markProbed(_ index: Int) {
        guard health[index].down else { return }
        Log.info("upstream proxy \(proxies[index]) is back")
        health[index].down = false
        worker.metrics.proxyHealth(index, down: false)
    }

    private func probe(_ index: Int) -> ProxyProbe {
        if probes.isEmpty { probes = proxies.indices.map { ProxyProbe(set: self, index: $0, worker: worker) } }
        return probes[index]
    }

    /// Stable across workers and restarts, unlike `Hasher`, so a token maps to the same proxy everywhere.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}

/// Checks a down proxy when its backoff ends: a TCP connect that succeeds brings it back.
final class ProxyProbe: EventHandler {
    private unowned let set: ProxySet
    private unowned let worker: Worker
    private let index: Int
    private var dialer: Dialer?

    init(set: ProxySet, index: Int, worker: Worker) {
        self.set = set
        self.index = index
        self.worker = worker
    }

    func schedule(at time: UInt64) {
        guard dialer == nil else { return }
        worker.loop.setDeadline(self, time)
    }

    func cancel() {
        worker.loop.setDeadline(self, .max)
        if let dialer {
            self.dialer = nil
            dialer.cancel()  // a late failure must not mark down a proxy a real dial has just reached
        }
    }

    override func handleTimeout() {
        let proxy = set.proxies[index]
        let dialer = Dialer(worker: worker, host: proxy.host, port: proxy.port, proxy: proxy, tcpOnly: true) {
            [unowned self] outcome in
            self.dialer = nil
            switch outcome {
            case .connected(let fd, _):
                _ = Glibc.close(fd)
                set.markProbed(index)
            case .failed(let error, _):
                set.markDown(index, reason: "probe: \(error.message)")
            }
        }
        self.dialer = dialer
        dialer.start()
    }
}

/// A worker's idle upstream connections, keyed by everything that makes one reusable for a request.
/// Today that is the origin alone; the upstream proxy and TLS profile join the key when they exist.
/// Most recently used first, so the warmest connections serve and the coldest time out.
final class UpstreamPool {
    /// How long an idle connection waits for reuse before it is closed.
    static let idleTimeoutMs: UInt64 = 30_000
    /// Idle connections kept per origin; more are closed after their exchange.
    static let maxIdlePerOrigin = 256

    private var idle: [UpstreamOrigin: [UpstreamConnection]] = [:]

    /// An idle connection to `origin`, or nil when a new one must be dialed.
    func acquire(_ origin: UpstreamOrigin) -> UpstreamConnection? {
        while let connection = idle[origin]?.popLast() {
            if connection.isIdle && connection.state == .open { return connection }
        }
        return nil
    }

    func checkIn(_ connection: UpstreamConnection) {
        if idle[connection.origin, default: []].count >= Self.maxIdlePerOrigin {
            connection.close()
            return
        }
        idle[connection.origin, default: []].append(connection)
    }

    /// Called when a connection closes, idle or not.
    func remove(_ connection: UpstreamConnection) {
        guard let index = idle[connection.origin]?.firstIndex(where: { $0 === connection }) else { return }
        idle[connection.origin]!.remove(at: index)
    }
}

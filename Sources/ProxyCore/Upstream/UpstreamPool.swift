/// A worker's upstream connections, keyed by everything that makes one reusable for a request: the origin
/// and the route (direct or which proxy). The TLS profile is one per process, so it needs no place in the key.
///
/// HTTP/2 connections are shared: a request goes on the first one with room under the server's
/// SETTINGS_MAX_CONCURRENT_STREAMS, so connections fill up before new ones open. A TLS dial whose
/// protocol is not known yet is shared too, in the hope of h2; what it cannot take comes back here.
/// Idle HTTP/1.1 connections are reused most recently used first, so the coldest ones time out.
final class UpstreamPool {
    struct Key: Hashable {
        var origin: UpstreamOrigin
        var route: DialRoute
    }

    /// Idle HTTP/1.1 connections kept per origin and route; more are closed after their exchange.
    static let maxIdlePerOrigin = 256

    private var idle: [Key: [UpstreamConnection]] = [:]
    private var shared: [Key: [UpstreamConnection]] = [:]
    /// Origins whose ALPN answer was HTTP/1.1 (whatever the route): their dials are not shared.
    private var speaksHTTP1: Set<UpstreamOrigin> = []
    /// Each HTTP/2 origin's last SETTINGS_MAX_CONCURRENT_STREAMS: how many requests may wait on one
    /// dial. Until it is known, a burst gathers on few dials and what does not fit is redirected.
    private var streamLimits: [UpstreamOrigin: Int] = [:]
    private static let assumedStreamLimit = 1_000

    /// A connection that can take a request for `origin` on `route` (which the proxy policy picked):
    /// shared, idle or new.
    func connection(for origin: UpstreamOrigin, route: DialRoute, worker: Worker) -> UpstreamConnection {
        let key = Key(origin: origin, route: route)
        if let connection = shared[key]?.first(where: { $0.canTakeRequest }) { return connection }
        // Moved out and put back rather than popped in place (idle[key]?.popLast()): Dictionary's modify
        // accessor allocates its coroutine frames, three mallocs for every HTTP/1.1 request.
        if var connections = idle.removeValue(forKey: key) {
            var found: UpstreamConnection?
            while found == nil, let connection = connections.popLast() {
                if connection.isIdleHTTP1 { found = connection }
            }
            idle[key] = connections
            if let found { return found }
        }
        let connection = UpstreamConnection(origin: origin, route: key.route, worker: worker)
        if origin.secure && !speaksHTTP1.contains(origin) {
            shared[key, default: []].append(connection)
        }
        return connection
    }

    /// ALPN has spoken: remember the origin's protocol; HTTP/1.1 connections are not shared.
    func opened(_ connection: UpstreamConnection) {
        if connection.wireProtocol == .http1 {
            speaksHTTP1.insert(connection.origin)
            retire(connection)
        } else {
            speaksHTTP1.remove(connection.origin)
        }
    }

    func learnStreamLimit(_ origin: UpstreamOrigin, _ limit: Int) {
        streamLimits[origin] = max(limit, 1)
    }

    func expectedStreams(_ origin: UpstreamOrigin) -> Int {
        streamLimits[origin] ?? Self.assumedStreamLimit
    }

    /// An HTTP/1.1 connection finished its exchange and may serve the next one.
    func checkIn(_ connection: UpstreamConnection) {
        if idle[connection.key, default: []].count >= Self.maxIdlePerOrigin {
            connection.close()
            return
        }
        idle[connection.key, default: []].append(connection)
    }

    /// No new requests for this connection (GOAWAY, or not shareable); its streams finish.
    func retire(_ connection: UpstreamConnection) {
        let key = connection.key
        if let index = shared[key]?.firstIndex(where: { $0 === connection }) {
            shared[key]!.remove(at: index)
        }
    }

    /// Called when a connection closes.
    func remove(_ connection: UpstreamConnection) {
        retire(connection)
        let key = connection.key
        if let index = idle[key]?.firstIndex(where: { $0 === connection }) {
            idle[key]!.remove(at: index)
        }
    }

}

/// A worker's upstream connections, keyed by everything that makes one reusable for a request.
/// Today that is the origin alone; the upstream proxy and TLS profile join the key when they exist.
///
/// HTTP/2 connections are shared: a request goes on the first one with room under the server's
/// SETTINGS_MAX_CONCURRENT_STREAMS, so connections fill up before new ones open. A TLS dial whose
/// protocol is not known yet is shared too, in the hope of h2; what it cannot take comes back here.
/// Idle HTTP/1.1 connections are reused most recently used first, so the coldest ones time out.
final class UpstreamPool {
    /// Idle HTTP/1.1 connections kept per origin; more are closed after their exchange.
    static let maxIdlePerOrigin = 256

    private var idle: [UpstreamOrigin: [UpstreamConnection]] = [:]
    private var shared: [UpstreamOrigin: [UpstreamConnection]] = [:]
    /// Origins whose ALPN answer was HTTP/1.1: their dials are not shared.
    private var speaksHTTP1: Set<UpstreamOrigin> = []
    /// Each HTTP/2 origin's last SETTINGS_MAX_CONCURRENT_STREAMS: how many requests may wait on one
    /// dial. Until it is known, a burst gathers on few dials and what does not fit is redirected.
    private var streamLimits: [UpstreamOrigin: Int] = [:]
    private static let assumedStreamLimit = 1_000

    /// A connection that can take a request for `origin`: shared, idle or new.
    func connection(for origin: UpstreamOrigin, worker: Worker) -> UpstreamConnection {
        if let connection = shared[origin]?.first(where: { $0.canTakeRequest }) { return connection }
        while let connection = idle[origin]?.popLast() {
            if connection.isIdleHTTP1 { return connection }
        }
        let connection = UpstreamConnection(origin: origin, worker: worker)
        if origin.secure && !speaksHTTP1.contains(origin) {
            shared[origin, default: []].append(connection)
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
        if idle[connection.origin, default: []].count >= Self.maxIdlePerOrigin {
            connection.close()
            return
        }
        idle[connection.origin, default: []].append(connection)
    }

    /// No new requests for this connection (GOAWAY, or not shareable); its streams finish.
    func retire(_ connection: UpstreamConnection) {
        if let index = shared[connection.origin]?.firstIndex(where: { $0 === connection }) {
            shared[connection.origin]!.remove(at: index)
        }
    }

    /// Called when a connection closes.
    func remove(_ connection: UpstreamConnection) {
        retire(connection)
        if let index = idle[connection.origin]?.firstIndex(where: { $0 === connection }) {
            idle[connection.origin]!.remove(at: index)
        }
    }

}

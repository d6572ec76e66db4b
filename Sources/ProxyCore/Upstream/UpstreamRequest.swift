/// A request placed upstream: an HTTP/1.1 connection's one exchange, or a stream of an HTTP/2 session.
/// Its user gets it with `upstreamStarted` and from then on moves its body and acknowledges its
/// response through it alone. Before that there is no handle, so a request that merely waits on a
/// connection (dialing, or waiting for SETTINGS or a PING answer) has nothing to send its body to.
enum UpstreamRequest {
    case http1(HTTP1Client)
    case http2(HTTP2Session, stream: Int32)

    /// Body bytes handed over but not on the wire yet: HTTP/1.1's output, or on HTTP/2 `queued`, the
    /// user's queue that nghttp2 pulls from.
    func heldBody(queued: Int) -> Int {
        switch self {
        case .http1(let client): return client.output.readableCount
        case .http2: return queued
        }
    }

    /// Whether more body may be handed over now.
    func hasRoom(queued: Int) -> Bool {
        heldBody(queued: queued) < Backpressure.highWater
    }

    /// Hands over body bytes. HTTP/1.1 frames them into the request (a chunk, when the request is
    /// chunked). HTTP/2 leaves them in `queue`, the user's, where nghttp2 pulls them under the
    /// server's window: kept on the user's side, a stream refused before it took any can be placed
    /// again with the same bytes.
    func send(_ bytes: UnsafeRawBufferPointer, queue: inout IOBuffer) {
        switch self {
        case .http1(let client): client.sendBody(bytes)
        case .http2: queue.append(bytes)
        }
    }

    /// The body is complete. HTTP/1.1 writes the last chunk of a chunked request; HTTP/2 learns it from
    /// the user when nghttp2 next pulls (`takeRequestBody`).
    func endBody() {
        if case .http1(let client) = self { client.endBody() }
    }

    /// Puts what was handed over on the wire.
    func push() {
        switch self {
        case .http1(let client): client.flush()
        case .http2(let session, let stream): session.bodyAvailable(stream)
        }
    }

    /// The user wrote response bytes out to its client: HTTP/2 returns `count` bytes of window
    /// (WINDOW_UPDATE), HTTP/1.1 reads on if it had paused.
    func acknowledge(_ count: Int) {
        switch self {
        case .http1(let client): client.acknowledge()
        case .http2(let session, let stream): session.acknowledge(stream, count)
        }
    }

    /// Gives the request up: RST_STREAM on HTTP/2; HTTP/1.1 can only close its connection.
    func cancel() {
        switch self {
        case .http1(let client): client.cancel()
        case .http2(let session, let stream): session.cancelStream(stream)
        }
    }
}

/// Where a user's request is placed upstream, and how often it was placed again: attach, release and
/// retry in one place for every kind of `UpstreamUser` (a client's exchange, a login step).
struct UpstreamPlacement {
    /// The connection the request is on or waits for.
    private(set) var connection: UpstreamConnection?
    /// Set once the upstream started the request.
    private(set) var request: UpstreamRequest?
    private var retries = 0

    /// How often a request is sent again after a stale pooled connection or a refused stream, when
    /// none of it reached the upstream.
    static let maxRetries = 3

    /// A fresh request: no retries used.
    mutating func reset() {
        retries = 0
    }

    /// Places the request on a shared, pooled or new connection of the worker's pool. The caller
    /// enqueues it there (`attach(…).enqueue(user)`) once this mutation is over: the connection may
    /// start the request at once, calling back into the user, which records it here.
    mutating func attach(origin: UpstreamOrigin, route: DialRoute, worker: Worker) -> UpstreamConnection {
        let connection = worker.pool.connection(for: origin, route: route, worker: worker)
        self.connection = connection
        request = nil
        return connection
    }

    /// The upstream started the request (`UpstreamUser.upstreamStarted`).
    mutating func started(_ request: UpstreamRequest) {
        self.request = request
    }

    /// Forgets the place: the upstream side ended the request (finished, failed, or sent it
    /// elsewhere), or the caller gives it up with `detach().cancel(user)` (outside this mutation, as
    /// cancelling may call back).
    @discardableResult
    mutating func detach() -> Held {
        defer {
            connection = nil
            request = nil
        }
        return Held(connection: connection, request: request)
    }

    /// A place taken off a placement.
    struct Held {
        let connection: UpstreamConnection?
        let request: UpstreamRequest?

        /// Resets the request's stream, closes its HTTP/1.1 connection, or leaves the queue of the
        /// connection it waited for.
        func cancel(_ user: UpstreamUser) {
            if let request {
                request.cancel()
            } else {
                connection?.withdraw(user)
            }
        }
    }

    /// After a failure: whether to place the request again, counting the attempt if so.
    mutating func retry(retryable: Bool, safe: Bool) -> Bool {
        guard retryable && safe && retries < Self.maxRetries else { return false }
        retries += 1
        return true
    }
}

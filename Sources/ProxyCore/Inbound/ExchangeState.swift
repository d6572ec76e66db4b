/// The decisions of one request/response relay, apart from its buffers: how far the request body has
/// come, whether the response started, who holds back whom, what a failure leads to, and which of its
/// timers applies. `ClientExchange` feeds it events and does the I/O; unit tests drive it without sockets.
struct ExchangeState {
    /// Where the client's request body stands.
    enum RequestBody: Equatable {
        case complete
        case fixed(remaining: UInt64)
        case chunked
    }

    /// What a failed upstream attempt leads to.
    enum FailureAction: Equatable {
        /// Place the request again: nothing of it reached the upstream but its head.
        case retry
        /// Answer the client with proxyd's own error: no response byte went out yet.
        case answer
        /// The response started: the client can only see it cut short.
        case truncate
    }

    /// Pipelined bytes read ahead while an exchange runs.
    static let maxReadAhead = 64 * 1024

    private(set) var body = RequestBody.complete
    /// Body bytes decoded from the client, counted against the body limit.
    private(set) var bodyBytes: UInt64 = 0
    /// Body bytes the upstream took (its socket, or nghttp2): after the first, a failure cannot be retried.
    private(set) var bodyBytesSent: UInt64 = 0
    private(set) var responseStarted = false
    /// The upstream started the request (the exchange holds its handle).
    private(set) var placed = false
    /// We hold the upstream back: our output had no room for its last bytes.
    private(set) var holdingUpstream = false
    /// The upstream has finished its response (decoded bytes may still wait to go out).
    private(set) var upstreamEnded = false
    /// A conversation turn: the body is read whole for the sentinel handshake, which runs before the
    /// request is placed (`ClientExchange.collectTurnBody`).
    private(set) var preparing = false
    // The times the timers count from (loop milliseconds).
    private var lastUpstreamActivity: UInt64 = 0
    private var lastClientInput: UInt64 = 0

    init() {}

    /// A new request with the head's body framing. Returns whether to answer `100 Continue` first: the
    /// client asked (`expectsContinue`, HTTP/1.1 only) and has a body to send.
    mutating func start(_ framing: BodyFraming, expectsContinue: Bool, now: UInt64) -> Bool {
        switch framing {
        case .none, .untilClose, .contentLength(0): body = .complete
        case .contentLength(let n): body = .fixed(remaining: n)
        case .chunked: body = .chunked
        }
        bodyBytes = 0
        bodyBytesSent = 0
        responseStarted = false
        placed = false
        holdingUpstream = false
        upstreamEnded = false
        preparing = false
        lastClientInput = now
        lastUpstreamActivity = now
        return expectsContinue && body != .complete
    }

    var hasRequestBody: Bool { body != .complete || bodyBytes > 0 }

    /// The request is a conversation turn: its body is collected for the handshake, not sent yet.
    mutating func startPreparing() {
        preparing = true
    }

    /// The handshake is done: the body the turn prepared, `count` bytes, is all there is to send.
    mutating func prepared(bodyBytes count: Int) {
        preparing = false
        body = .complete
        bodyBytes = UInt64(count)
    }

    /// An /imitate/v1 answer goes on with another turn (a continuation): a new handshake, then a new
    /// upstream call, while the client's response stays open (the imitation, not this state, knows what
    /// the client got). The new call's answer has its own head: until it comes, HEADERS are its head,
    /// not trailers, and a failure of the call is answered, not cut. The handshake's time counts from now.
    mutating func continueTurn(now: UInt64) {
        _ = start(.none, expectsContinue: false, now: now)
        preparing = true
    }

    /// Nothing of this request reached the upstream but its head: it can go again elsewhere.
    var isSafeToRetry: Bool { !responseStarted && bodyBytesSent == 0 }

    // MARK: the request body

    /// How much of `available` client bytes belong to a fixed-length body.
    func fixedBodyTake(_ available: Int) -> Int {
        guard case .fixed(let remaining) = body else { return 0 }
        return Int(min(UInt64(available), remaining))
    }

    /// Body bytes came from the client. False: the body is now over `limit` (413).
    mutating func bodyReceived(_ count: Int, limit: UInt64, now: UInt64) -> Bool {
        bodyBytes += UInt64(count)
        lastClientInput = now
        if case .fixed(let remaining) = body {
            body = remaining == UInt64(count) ? .complete : .fixed(remaining: remaining - UInt64(count))
        }
        return bodyBytes <= limit
    }

    /// The chunked body's last chunk arrived.
    mutating func bodyEnded() {
        body = .complete
    }

    /// The upstream took `count` body bytes.
    mutating func bodySent(_ count: Int, now: UInt64) {
        bodyBytesSent += UInt64(count)
        if count > 0 { lastUpstreamActivity = now }
    }

    /// Whether to read more from the client: body bytes while the upstream has room, else a bounded
    /// read-ahead of pipelined requests.
    func wantsClientInput(buffered: Int, upstreamHasRoom: Bool) -> Bool {
        // A turn's body is bounded by the size check of its collection.
        if body != .complete && preparing { return true }
        if body != .complete && placed { return upstreamHasRoom }
        return buffered < Self.maxReadAhead
    }

    // MARK: the upstream

    mutating func upstreamStarted(now: UInt64) {
        placed = true
        lastUpstreamActivity = now
    }

    /// The request left its connection (finished, failed, redirected, or given up).
    mutating func upstreamDetached() {
        placed = false
        holdingUpstream = false
    }

    /// The upstream sent something for this request.
    mutating func upstreamActive(now: UInt64) {
        lastUpstreamActivity = now
    }

    mutating func responseHeadReceived(now: UInt64) {
        responseStarted = true
        lastUpstreamActivity = now
    }

    /// Response bytes went into the output, which now holds `buffered`: whether the upstream may send
    /// more (false: we hold it back until the output drains below `lowWater`).
    mutating func responseTaken(buffered: Int, now: UInt64) -> Bool {
        lastUpstreamActivity = now
        let more = buffered < Backpressure.highWater
        if !more { holdingUpstream = true }
        return more
    }

    /// Our output drained to `buffered`: whether to let the upstream go on.
    mutating func shouldResumeUpstream(buffered: Int, now: UInt64) -> Bool {
        guard holdingUpstream && buffered < Backpressure.lowWater else { return false }
        holdingUpstream = false
        lastUpstreamActivity = now  // its silence counts from here, not from when we stopped it
        return true
    }

    /// We keep the upstream paused though the output has room (coded bytes wait to be decoded).
    mutating func holdUpstream() {
        holdingUpstream = true
    }

    mutating func upstreamFinished() {
        upstreamEnded = true
        placed = false
        holdingUpstream = false
    }

    /// A failed attempt: `retrying` is whether the placement allows another (`UpstreamPlacement.retry`).
    func failure(retrying: Bool) -> FailureAction {
        if retrying { return .retry }
        return responseStarted ? .truncate : .answer
    }

    /// Whether the connection may serve another request after this answer: unsent body bytes would be
    /// read as the next request.
    var bodyFullyRead: Bool { body == .complete }

    // MARK: timers

    /// The exchange's timer. Upstream silence counts while the upstream owes us bytes: it holds body
    /// bytes we gave it, or has the whole request, and we do not hold it back. A stalled client counts
    /// while we wait for its body and the upstream has taken all we gave.
    /// `upstreamHoldsBody`: body bytes handed over and not yet taken.
    func timer(upstreamHoldsBody: Bool, limits: ClientTimeouts) -> ArmedTimer? {
        if preparing {
            // The client owes its body; then the whole handshake, every step, gets one upstream timeout
            // from the body's last byte, as a plain request's answer would.
            return body == .complete ? ArmedTimer(kind: .upstreamSilence, at: lastClientInput &+ limits.upstream)
                : ArmedTimer(kind: .stalledClient, at: lastClientInput &+ limits.idle)
        }
        guard placed, !upstreamEnded else { return nil }
        if body == .complete || upstreamHoldsBody {
            guard !holdingUpstream else { return nil }  // the client's reading is what we wait for
            return ArmedTimer(kind: .upstreamSilence, at: lastUpstreamActivity &+ limits.upstream)
        }
        return ArmedTimer(kind: .stalledClient, at: lastClientInput &+ limits.idle)
    }
}

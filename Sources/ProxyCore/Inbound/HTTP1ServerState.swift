/// The decisions of a client-facing HTTP/1.1 connection, apart from its socket and buffers: which
/// phase it is in, whether it stays open after the answer, and which timer applies. `ClientConnection`
/// feeds it events and carries out the actions it returns; unit tests drive it without sockets.
struct HTTP1ServerState {
    enum Phase: Equatable {
        /// Waiting for (the rest of) a request head; pipelined heads may already wait in the input.
        case awaitingHead
        /// A forwarded request's exchange runs.
        case exchanging
        /// A login route runs.
        case login
        /// Writing the last answer; the connection closes once it is out.
        case closingAfterWrite
        /// Our side is shut down; reading and discarding until the client closes or the linger ends.
        case lingering
        case closed
    }

    /// What the connection does next.
    enum Action: Equatable {
        case none
        /// Parse the input again: the next pipelined request may be there.
        case processInput
        /// Half-close, drop the buffers, read out what the client still sends.
        case shutdownAndLinger
        /// Close the socket (nothing is under way).
        case close
        /// Give up what is under way and close (the client cannot get a complete answer).
        case abort
        /// Answer 408: the request head did not arrive in time; then close.
        case requestTimeout
        /// The exchange's upstream owes bytes and sent none in time.
        case upstreamTimeout
        /// The login ran out of time.
        case loginTimeout
    }

    private(set) var phase = Phase.awaitingHead
    /// Whether the connection stays open after the current answer.
    private(set) var keepAlive = true
    /// The worker drains: no request after the current one.
    private(set) var draining = false
    // The times the timers count from (loop milliseconds).
    private var idleSince: UInt64
    private var headStartedAt: UInt64 = .max
    private var loginStartedAt: UInt64 = 0
    private var lingerSince: UInt64 = 0
    private var lastWriteProgress: UInt64

    init(now: UInt64) {
        idleSince = now
        lastWriteProgress = now
    }

    // MARK: events

    /// Part of a head is in the input: the head timer starts with its first byte.
    mutating func headIncomplete(now: UInt64) {
        if headStartedAt == .max { headStartedAt = now }
    }

    /// A complete head: whether the connection may stay open after its answer.
    mutating func headReceived(keepAlive: Bool) {
        headStartedAt = .max
        self.keepAlive = keepAlive && !draining
    }

    /// A forwarded request's exchange starts (only from `awaitingHead`: one exchange at a time).
    mutating func exchangeStarted() {
        guard phase == .awaitingHead else { return }
        phase = .exchanging
    }

    mutating func loginStarted(now: UInt64) {
        guard phase == .awaitingHead else { return }
        phase = .login
        loginStartedAt = now
    }

    /// The connection cannot stay open after this answer (unread body bytes, a framing that ends
    /// with the close).
    mutating func mustClose() {
        keepAlive = false
    }

    /// The answer is complete in the output (relayed, or proxyd's own with `keepAlive` for it).
    mutating func answered(keepAlive: Bool, now: UInt64) -> Action {
        guard phase == .awaitingHead || phase == .exchanging || phase == .login else { return .none }
        if keepAlive && self.keepAlive && !draining {
            phase = .awaitingHead
            idleSince = now
            headStartedAt = .max
            return .processInput
        }
        phase = .closingAfterWrite
        return .none
    }

    /// The client took bytes of our output.
    mutating func wroteProgress(now: UInt64) {
        lastWriteProgress = now
    }

    /// Our output is empty.
    mutating func outputDrained(now: UInt64) -> Action {
        guard phase == .closingAfterWrite else { return .none }
        phase = .lingering
        lingerSince = now
        return .shutdownAndLinger
    }

    mutating func peerClosed() -> Action {
        switch phase {
        case .awaitingHead, .lingering, .closingAfterWrite: return .close
        case .exchanging, .login: return .abort
        case .closed: return .none
        }
    }

    /// SIGTERM: what is under way finishes, then the connection closes; an idle one closes now.
    mutating func drain(inputEmpty: Bool) -> Action {
        draining = true
        switch phase {
        case .awaitingHead where inputEmpty: return .close
        case .awaitingHead, .exchanging, .login:
            keepAlive = false
            return .none
        case .closingAfterWrite, .lingering, .closed: return .none
        }
    }

    mutating func closed() {
        phase = .closed
    }

    // MARK: timers

    /// The timer that applies now: the earliest of the phase's own and the exchange's (`exchange`).
    /// `outputBlocked`: our output waits for the client to read.
    func timer(inputEmpty: Bool, outputBlocked: Bool, exchange: ArmedTimer?, limits: ClientTimeouts) -> ArmedTimer? {
        let stalled = outputBlocked ? ArmedTimer(kind: .stalledClient, at: lastWriteProgress &+ limits.idle) : nil
        switch phase {
        case .awaitingHead:
            let own = inputEmpty || headStartedAt == .max
                ? ArmedTimer(kind: .idle, at: idleSince &+ limits.idle)
                : ArmedTimer(kind: .head, at: headStartedAt &+ limits.head)
            return ArmedTimer.earliest(own, stalled)
        case .exchanging:
            return ArmedTimer.earliest(exchange, stalled)
        case .login:
            return ArmedTimer.earliest(ArmedTimer(kind: .login, at: loginStartedAt &+ limits.login), stalled)
        case .closingAfterWrite:
            return ArmedTimer(kind: .stalledClient, at: lastWriteProgress &+ limits.idle)
        case .lingering:
            return ArmedTimer(kind: .linger, at: lingerSince &+ limits.linger)
        case .closed:
            return nil
        }
    }

    /// What a fired timer means in the current phase. Every timer `timer` derives for a phase leads to an
    /// action that leaves it, so a timer that has run out is never derived again.
    func timeout(_ kind: ClientTimer) -> Action {
        switch kind {
        case .idle: return phase == .awaitingHead ? .close : .none
        case .head: return phase == .awaitingHead ? .requestTimeout : .none
        case .login: return phase == .login ? .loginTimeout : .none
        case .upstreamSilence: return phase == .exchanging ? .upstreamTimeout : .none
        case .stalledClient: return phase == .closed ? .none : .abort
        case .linger: return .close
        }
    }
}

/// The timers of a client connection. One is armed at a time: the earliest that applies, derived from
/// the connection's state at the end of each event (`HTTP1ServerState.timer`), and handed back by the
/// loop when it fires, so nothing has to guess which one it was.
enum ClientTimer: UInt8, Equatable {
    /// A keep-alive connection waits for its next request (PROXYD_IDLE_TIMEOUT).
    case idle
    /// Part of a request head arrived; the rest must within PROXYD_HEADER_TIMEOUT (408).
    case head
    /// A login route's body and answer (PROXYD_LOGIN_TIMEOUT).
    case login
    /// The upstream owes the exchange bytes and sends none (PROXYD_UPSTREAM_TIMEOUT): 504 before the
    /// response head, a cut response after it.
    case upstreamSilence
    /// The client neither reads what we send nor sends the body we wait for (PROXYD_IDLE_TIMEOUT).
    case stalledClient
    /// A closed connection reads out what the client still sends, for a while.
    case linger
}

/// The durations behind the timers, in milliseconds.
struct ClientTimeouts {
    var idle: UInt64
    var head: UInt64
    var login: UInt64
    var upstream: UInt64
    var linger: UInt64 = 2_000
}

/// A timer to arm: its kind and when it fires (loop milliseconds).
struct ArmedTimer: Equatable {
    var kind: ClientTimer
    var at: UInt64

    /// The earlier of two timers.
    static func earliest(_ a: ArmedTimer?, _ b: ArmedTimer?) -> ArmedTimer? {
        guard let a else { return b }
        guard let b else { return a }
        return b.at < a.at ? b : a
    }
}

/// What a conversation turn adds to a client exchange: its body collected whole, the handshake under
/// way, and what the conversation keeps from it (the route the handshake took, the account's cookies).
/// The exchange owns one and resets it per request.
struct ClientTurn {
    /// The turn's handshake; nil for a plain request.
    let generation: SentinelGeneration?
    /// The body is being read whole; the handshake starts once it is complete.
    var collecting: Bool
    var body: [UInt8] = []
    /// An /imitate/v1 continuation's body, whose handshake starts in the next loop turn: the call that ended
    /// is still on the stack (nghttp2's callback, or an HTTP/1.1 read), where no new request may start.
    var continuation: [UInt8]?
    var handshake: SentinelTurn?
    /// The proxy route the handshake took; nil: the request picks one as usual.
    private(set) var route: DialRoute?
    /// The account's cookies and the conversation's URL: the answer's Set-Cookie fields go there as
    /// well as to the client, as a browser keeps what every response of the site sets.
    private var cookies: (jar: CookieJar, url: FlowURL)?

    /// A new request: a turn of `generation`, or nil for a plain one.
    init(_ generation: SentinelGeneration? = nil) {
        self.generation = generation
        collecting = generation != nil
    }

    /// The client left: the handshake stops and nothing is kept.
    mutating func cancel() {
        handshake?.cancel()
        self = ClientTurn()
    }

    /// The handshake's time ran out: it stops, and the error names the step it was on.
    mutating func expire(afterSeconds seconds: String) -> ProxyError? {
        guard let handshake else { return nil }
        let step = handshake.currentStep
        cancel()
        return ProxyError(504, "chatgpt \(step.rawValue): the handshake did not finish within \(seconds) s "
                          + "(PROXYD_UPSTREAM_TIMEOUT)")
    }

    /// The handshake is done: the conversation leaves by its route and keeps its cookies.
    mutating func carry(_ plan: TurnPlan) {
        handshake = nil
        route = plan.route
        cookies = (plan.jar, plan.url)
    }

    /// The conversation's answer head: its cookies stay with the account, and a 403 (the site refusing a
    /// stale build) has the next turn fetch the page again.
    /// Returns whether the build must be marked stale, so a plain request never touches the worker's ChatGPT state.
    func answered(_ head: ResponseHead) -> Bool {
        guard let cookies else { return false }
        for field in head.fields where field.hasName("set-cookie") { cookies.jar.store(field.value, from: cookies.url) }
        return head.status == 403
    }
}

/// The decisions of a turn's handshake, apart from its requests: what a refused step leads to, and what
/// a proof of work's difficulty or a search without an answer leads to. `SentinelTurn` asks and carries
/// the answer out; unit tests ask without sockets.
enum TurnPolicy {
    enum Refusal: Equatable {
        /// Fetch the page again (a fresh build id) and start the handshake over.
        case restart
        /// End the turn with this status; `turnstile`: the site wanted a turnstile answer.
        case fail(status: Int, turnstile: Bool)
    }

    /// A step answered `status` (not 2xx). A 403 may be a stale build, worth one more handshake with a
    /// fresh page, unless the page itself was refused or the site wanted turnstile, which a retry cannot
    /// give. The site's 401, 403 and 429 reach the client as they are (an expired token stays a 401);
    /// anything else is the upstream failing, 502.
    static func refused(status: Int, step: TurnStep, restarted: Bool, turnstileAsked: Bool) -> Refusal {
        let turnstile = step == .finalize && turnstileAsked
        if status == 403 && !restarted && step != .bootstrap && !turnstile { return .restart }
        return .fail(status: [401, 403, 429].contains(status) ? status : 502, turnstile: turnstile)
    }

    enum Proof: Equatable {
        case solve
        /// Fetch new requirements (a new seed and difficulty).
        case refetch
        /// Harder than the maximum, and the refetches are spent.
        case tooHard
    }

    /// A difficulty of `expected` tries against the configured maximum, after `refetches` refetches.
    static func proof(expected: Double, maximum: Double, refetches: Int) -> Proof {
        guard expected > maximum else { return .solve }
        return refetches < ChatGPTSite.maxRequirementsRefetches ? .refetch : .tooHard
    }

    /// A search ran out of tries: new requirements while refetches remain, else the browser's failed proof.
    static func refetchAfterExhausted(refetches: Int) -> Bool {
        refetches < ChatGPTSite.maxRequirementsRefetches
    }
}

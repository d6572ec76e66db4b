import Synchronization

/// A key's rate with burst, shared by all workers: the TAT of its `RateRule` in one atomic, moved by
/// compare-exchange, so the limit holds exactly across workers (a per-worker share would hold one keep-alive
/// connection, which stays on one worker, to a fraction of its limit). Measured in Benchmarks/RESULTS.md.
/// The rule is the caller's (`KeyLimiter`), so that the atomics of a key sit together.
///
/// Relaxed ordering throughout: the TAT is the only value involved, and it publishes no other memory.
struct RequestRate: ~Copyable, Sendable {
    enum Take: Equatable {
        /// Admitted; the TAT it left.
        case taken(tat: Int64)
        /// Refused, nothing changed; microseconds until one request would be admitted.
        case refused(wait: Int64)
    }

    /// 0 is before any monotonic time a caller passes, so a new key starts with its full burst.
    private let tat = Atomic<Int64>(0)

    init() {}

    /// Microseconds until one request would be admitted, when that is after `now`; nil when it would be admitted.
    /// Reads only, so refused requests write nothing to the line the workers share.
    borrowing func wait(_ rule: RateRule, now: Int64) -> Int64? {
        let wait = rule.wait(tat: tat.load(ordering: .relaxed), now: now)
        return wait > 0 ? wait : nil
    }

    /// Admits one request at `now` if the rate allows it.
    borrowing func take(_ rule: RateRule, now: Int64) -> Take {
        var current = tat.load(ordering: .relaxed)
        while true {
            guard let next = rule.admitting(tat: current, now: now) else {
                return .refused(wait: rule.wait(tat: current, now: now))
            }
            let (exchanged, seen) = tat.compareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return .taken(tat: next) }
            current = seen
        }
    }
}

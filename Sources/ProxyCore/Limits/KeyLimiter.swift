/// One key's limits, shared by every worker: its rate with burst, its concurrent streams and its daily quota,
/// each one atomic (`RequestRate`, `StreamCount`, `DailyQuota`), and no lock. Made once per key when the keys
/// are loaded.
///
/// The three atomics are the first stored properties, next to the object's header, whose reference count an
/// admission changes too: all a decision writes is in one or two cache lines rather than three, which matters
/// when two workers decide for one key at the same moment (Benchmarks/RESULTS.md, issue 14).
package final class KeyLimiter: Sendable {
    let rate = RequestRate()
    let streams = StreamCount()
    let daily = DailyQuota()
    /// nil: no rate limit.
    let rule: RateRule?
    package let limits: KeyLimits
    /// Never read: keeps whatever the heap puts next (another key's limiter, often) off the lines of this one's
    /// atomics, even when this object ends where a cache line does not.
    private let padding: (Int64, Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0, 0)

    /// `limits` must have no `problem`.
    package init(_ limits: KeyLimits) {
        precondition(limits.problem == nil, limits.problem ?? "")
        self.limits = limits
        rule = limits.requestsPerMinute.map { RateRule(perMinute: $0, burst: limits.burst) }
    }

    /// Decides one request: `monotonicMicros` on the monotonic clock (the same clock for every worker),
    /// `wallMillis` since 1970 UTC for the day.
    ///
    /// A refused request consumes nothing; an admitted one counts one request of the rate and of the day and holds
    /// one stream until its `Admission` is released. The order:
    /// 1. Read, without writing: the day used up, then the rate. The day comes first because its refusal is final
    ///    (`x-should-retry: false`), the rate's a wait. A flood of refused requests thus writes nothing the
    ///    workers share.
    /// 2. Take the day, then a stream, then the rate; a refusal here (another worker took the last one since the
    ///    read) gives back what this request took. The day and the stream give back exactly. The rate's take
    ///    comes last because it cannot: an interval given back after another worker moved the TAT past an idle
    ///    gap would return time nobody used, and admit one request too many.
    package func decide(monotonicMicros now: Int64, wallMillis: Int64) -> LimitDecision {
        if let perDay = limits.requestsPerDay, let untilMidnight = daily.usedUp(limit: perDay, wallMillis: wallMillis) {
            return .refuse(dailyRefusal(perDay, untilMidnight: untilMidnight))
        }
        if let rule, let wait = rate.wait(rule, now: now) {
            return .refuse(rateRefusal(rule, wait: wait))
        }
        var status = LimitStatus()
        var day: UInt32?
        if let perDay = limits.requestsPerDay {
            switch daily.take(limit: perDay, wallMillis: wallMillis) {
            case .usedUp(let untilMidnight):
                return .refuse(dailyRefusal(perDay, untilMidnight: untilMidnight))
            case .taken(let today, let used):
                day = today
                status.requestsPerDay = LimitCount(limit: perDay, remaining: perDay - used, resetMillis:
                                                    DailyQuota.untilMidnight(after: today, wallMillis: wallMillis))
            }
        }
        if let concurrent = limits.concurrentStreams {
            guard let free = streams.acquire(limit: concurrent) else {
                if let day { daily.giveBack(day: day) }
                return .refuse(LimitRefusal(kind: .streams, limit: concurrent))
            }
            status.streams = LimitCount(limit: concurrent, remaining: free)
        }
        if let rule {
            switch rate.take(rule, now: now) {
            case .refused(let wait):
                if status.streams != nil { streams.release() }
                if let day { daily.giveBack(day: day) }
                return .refuse(rateRefusal(rule, wait: wait))
            case .taken(let tat):
                status.requests = LimitCount(limit: rule.perMinute, remaining: rule.remaining(tat: tat, now: now),
                                             resetMillis: RateRule.millis(roundingUp: rule.untilFull(tat: tat, now: now)))
            }
        }
        return .admit(Admission(status: status, holding: status.streams == nil ? nil : self))
    }

    /// Streams of this key open now, on all workers.
    package var streamsInUse: Int {
        streams.current()
    }

    private func rateRefusal(_ rule: RateRule, wait: Int64) -> LimitRefusal {
        // Full again one tolerance after the request would be admitted.
        LimitRefusal(kind: .requests, limit: rule.perMinute, retryAfterMillis: RateRule.millis(roundingUp: wait),
                     resetMillis: RateRule.millis(roundingUp: wait + rule.tolerance))
    }

    private func dailyRefusal(_ perDay: Int, untilMidnight: Int64) -> LimitRefusal {
        LimitRefusal(kind: .requestsPerDay, limit: perDay, retryAfterMillis: untilMidnight, resetMillis: untilMidnight)
    }
}

/// One key's limits, shared by every worker: its rate with burst, its concurrent streams and its daily quota,
/// each one atomic (`RequestRate`, `StreamCount`, `DailyQuota`) in this one object, so a decision touches the few
/// cache lines of one object and takes no lock. Made once per key when the keys are loaded.
package final class KeyLimiter: Sendable {
    package let limits: KeyLimits
    let rate: RequestRate
    let streams: StreamCount
    let daily: DailyQuota
    /// Keeps the next object on the heap (another key's limiter, often) off the cache line of this one's atomics,
    /// which end the stored properties above: without it, two keys busy on two workers slow each other down
    /// as if they were one key (measured in Benchmarks/RESULTS.md).
    private let padding: (Int64, Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0, 0)

    /// `limits` must have no `problem`.
    package init(_ limits: KeyLimits) {
        precondition(limits.problem == nil, limits.problem ?? "")
        self.limits = limits
        rate = RequestRate(limits.requestsPerMinute.map { RateRule(perMinute: $0, burst: limits.burst) })
        streams = StreamCount(limit: limits.concurrentStreams)
        daily = DailyQuota(limit: limits.requestsPerDay)
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
        if let untilMidnight = daily.usedUp(wallMillis: wallMillis) {
            return .refuse(dailyRefusal(untilMidnight: untilMidnight))
        }
        if let wait = rate.wait(now: now) {
            return .refuse(rateRefusal(wait: wait))
        }
        let day = daily.take(wallMillis: wallMillis)
        if case .usedUp(let untilMidnight) = day {
            return .refuse(dailyRefusal(untilMidnight: untilMidnight))
        }
        guard let streamsLeft = streams.acquire() else {
            giveBack(day)
            return .refuse(LimitRefusal(kind: .streams, limit: limits.concurrentStreams ?? 0))
        }
        let taken = rate.take(now: now)
        if case .refused(let wait) = taken {
            streams.release()
            giveBack(day)
            return .refuse(rateRefusal(wait: wait))
        }
        var status = LimitStatus()
        if case .taken(let tat) = taken, let rule = rate.rule {
            status.requests = LimitCount(limit: rule.perMinute, remaining: rule.remaining(tat: tat, now: now),
                                         resetMillis: RateRule.millis(roundingUp: rule.untilFull(tat: tat, now: now)))
        }
        if let limit = streams.limit {
            status.streams = LimitCount(limit: limit, remaining: streamsLeft)
        }
        if case .taken(let today, let used) = day, let limit = daily.limit {
            status.requestsPerDay = LimitCount(limit: limit, remaining: limit - used, resetMillis:
                                                DailyQuota.untilMidnight(after: today, wallMillis: wallMillis))
        }
        return .admit(Admission(status: status, holding: streams.limit == nil ? nil : self))
    }

    /// Streams of this key open now, on all workers.
    package var streamsInUse: Int {
        streams.current()
    }

    private func giveBack(_ day: DailyQuota.Take) {
        if case .taken(let today, _) = day { daily.giveBack(day: today) }
    }

    private func rateRefusal(wait: Int64) -> LimitRefusal {
        let rule = rate.rule!
        // Full again one tolerance after the request would be admitted.
        return LimitRefusal(kind: .requests, limit: rule.perMinute, retryAfterMillis: RateRule.millis(roundingUp: wait),
                            resetMillis: RateRule.millis(roundingUp: wait + rule.tolerance))
    }

    private func dailyRefusal(untilMidnight: Int64) -> LimitRefusal {
        LimitRefusal(kind: .requestsPerDay, limit: limits.requestsPerDay ?? 0, retryAfterMillis: untilMidnight,
                     resetMillis: untilMidnight)
    }
}

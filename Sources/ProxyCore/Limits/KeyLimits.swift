/// One key's limits as its line in the keys file gives them; nil means unlimited.
package struct KeyLimits: Sendable, Equatable {
    /// At most one request a microsecond: the rate's clock.
    package static let perMinuteRange = 1...60_000_000
    package static let burstRange = 0...1_000_000
    package static let streamsRange = 1...1_000_000
    /// The daily count has 32 bits (`DailyQuota`).
    package static let perDayRange = 1...DailyQuota.maxLimit

    package var requestsPerMinute: Int?
    /// Requests beyond the steady rate a client may send at once after being idle (1 + burst in all).
    package var burst: Int
    package var concurrentStreams: Int?
    package var requestsPerDay: Int?

    package init(requestsPerMinute: Int? = nil, burst: Int = 0, concurrentStreams: Int? = nil,
                 requestsPerDay: Int? = nil) {
        self.requestsPerMinute = requestsPerMinute
        self.burst = burst
        self.concurrentStreams = concurrentStreams
        self.requestsPerDay = requestsPerDay
    }

    /// The first value out of range, said for the keys file's error message; nil when `KeyLimiter` takes them.
    package var problem: String? {
        if let rpm = requestsPerMinute, !Self.perMinuteRange.contains(rpm) {
            return "requests per minute must be from 1 to \(Self.perMinuteRange.upperBound), got \(rpm)"
        }
        if !Self.burstRange.contains(burst) {
            return "burst must be from 0 to \(Self.burstRange.upperBound), got \(burst)"
        }
        if burst > 0 && requestsPerMinute == nil {
            return "a burst needs a limit of requests per minute"
        }
        if let streams = concurrentStreams, !Self.streamsRange.contains(streams) {
            return "concurrent streams must be from 1 to \(Self.streamsRange.upperBound), got \(streams)"
        }
        if let daily = requestsPerDay, !Self.perDayRange.contains(daily) {
            return "requests per day must be from 1 to \(Self.perDayRange.upperBound), got \(daily)"
        }
        return nil
    }
}

/// The arithmetic of GCRA (the generic cell rate algorithm) for "`perMinute` requests a minute and `burst` more at
/// once". Its whole state is one number, the theoretical arrival time (TAT): when the client would be back to a full
/// burst. A request at `now` is admitted while the TAT is at most the burst ahead of `now`, and moves it one interval
/// on from `max(TAT, now)`, so an idle client banks no more than its burst. Pure functions: the state lives in
/// `RequestRate` (one atomic shared by the workers) or in `FailedKeyChecks` (per worker).
///
/// Times are microseconds on the monotonic clock. The refusal's wait is exact to the microsecond: at
/// `now + wait` one request is admitted, one microsecond earlier it is not.
package struct RateRule: Sendable, Equatable {
    static let microsPerMinute: Int64 = 60_000_000

    package let perMinute: Int
    package let burst: Int
    /// Microseconds between two requests at the steady rate. Rounded up (7 a minute: 8,571,429 µs), so a minute
    /// never admits more than `perMinute` beyond the burst.
    package let interval: Int64
    /// How far ahead of `now` the TAT may be when a request is admitted: the burst as time.
    let tolerance: Int64

    /// `perMinute` from 1 to 60,000,000 (an interval of at least 1 µs), `burst` not negative.
    init(perMinute: Int, burst: Int) {
        precondition(perMinute >= 1 && Int64(perMinute) <= Self.microsPerMinute && burst >= 0)
        self.perMinute = perMinute
        self.burst = burst
        interval = (Self.microsPerMinute + Int64(perMinute) - 1) / Int64(perMinute)
        tolerance = Int64(burst) * interval
    }

    /// The TAT after admitting one request at `now`, or nil when the request must wait.
    func admitting(tat: Int64, now: Int64) -> Int64? {
        tat - now <= tolerance ? max(tat, now) + interval : nil
    }

    /// Microseconds from `now` until one request is admitted; 0 when one is admitted now.
    func wait(tat: Int64, now: Int64) -> Int64 {
        max(tat - tolerance - now, 0)
    }

    /// Requests admitted at once from `now` on.
    func remaining(tat: Int64, now: Int64) -> Int {
        let slack = tolerance - max(tat - now, 0)
        return slack < 0 ? 0 : Int(slack / interval) + 1
    }

    /// Microseconds from `now` until the full burst is back.
    func untilFull(tat: Int64, now: Int64) -> Int64 {
        max(tat - now, 0)
    }

    /// Microseconds as milliseconds rounded up: a wait said in milliseconds is never too short.
    static func millis(roundingUp micros: Int64) -> Int64 {
        (micros + 999) / 1000
    }
}

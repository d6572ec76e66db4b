import Synchronization

/// A key's requests per UTC day, shared by all workers. The day (days since 1970-01-01 UTC) and that day's count
/// are packed in one atomic UInt64, day in the high 32 bits, so the first request of a new day restarts the count
/// in the same compare-exchange that counts it: no worker can add to a day another has already left, or carry
/// yesterday's count into today.
///
/// A worker whose wall clock reads a little behind another's, across midnight, counts into the later day: the
/// earlier one's count is gone. Times are wall-clock milliseconds since 1970 (UTC, leap seconds ignored). The
/// limit is the caller's (`KeyLimiter`), so that the atomics of a key sit together; at most `maxLimit`, the
/// count's 32 bits.
struct DailyQuota: ~Copyable, Sendable {
    static let dayMillis: Int64 = 86_400_000
    static let maxLimit = Int(UInt32.max)

    enum Take: Equatable {
        /// Counted on `day`; `used` of the limit are taken, this request included.
        case taken(day: UInt32, used: Int)
        /// Refused, nothing changed: the day's quota is used up; milliseconds until the next UTC midnight.
        case usedUp(untilMidnight: Int64)
    }

    private let state = Atomic<UInt64>(0)

    init() {}

    /// Milliseconds until the next UTC midnight when the quota is used up; nil while a request would be counted.
    /// Reads only, like `RequestRate.wait`.
    borrowing func usedUp(limit: Int, wallMillis: Int64) -> Int64? {
        let (day, used) = Self.unpack(state.load(ordering: .relaxed), today: Self.day(wallMillis))
        return used >= limit ? Self.untilMidnight(after: day, wallMillis: wallMillis) : nil
    }

    /// Counts one request at `wallMillis` if today's quota allows it.
    borrowing func take(limit: Int, wallMillis: Int64) -> Take {
        let today = Self.day(wallMillis)
        var current = state.load(ordering: .relaxed)
        while true {
            let (day, used) = Self.unpack(current, today: today)
            guard used < limit else { return .usedUp(untilMidnight: Self.untilMidnight(after: day, wallMillis: wallMillis)) }
            let next = UInt64(day) << 32 | UInt64(used + 1)
            let (exchanged, seen) = state.compareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return .taken(day: day, used: used + 1) }
            current = seen
        }
    }

    /// Uncounts a request `take` counted on `day`, when a later limit refused it. A day that has ended keeps its
    /// count: the new day's count never held this request.
    borrowing func giveBack(day: UInt32) {
        var current = state.load(ordering: .relaxed)
        while current >> 32 == UInt64(day) && current & 0xFFFF_FFFF > 0 {
            let (exchanged, seen) = state.compareExchange(expected: current, desired: current - 1, ordering: .relaxed)
            if exchanged { return }
            current = seen
        }
    }

    /// Milliseconds from `wallMillis` until the midnight that ends `day`.
    static func untilMidnight(after day: UInt32, wallMillis: Int64) -> Int64 {
        (Int64(day) + 1) * dayMillis - wallMillis
    }

    private static func day(_ wallMillis: Int64) -> UInt32 {
        UInt32(clamping: max(wallMillis, 0) / dayMillis)
    }

    /// The day to count on (the stored one if a worker already moved past `today`) and what it has used.
    private static func unpack(_ packed: UInt64, today: UInt32) -> (day: UInt32, used: Int) {
        let stored = UInt32(truncatingIfNeeded: packed >> 32)
        return stored >= today ? (stored, Int(packed & 0xFFFF_FFFF)) : (today, 0)
    }
}

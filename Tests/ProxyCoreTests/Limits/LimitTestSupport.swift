import Glibc
@testable import ProxyCore
import Synchronization

/// A decision made copyable for assertions; an admission is kept in a box (or dropped: its stream released).
enum Outcome: Equatable {
    case admitted(LimitStatus)
    case refused(LimitRefusal)

    var refusal: LimitRefusal? {
        if case .refused(let refusal) = self { return refusal }
        return nil
    }

    var status: LimitStatus? {
        if case .admitted(let status) = self { return status }
        return nil
    }
}

/// Holds an admitted request's stream until `release()` or deinit.
final class Held {
    var admission: Admission?

    init(_ admission: consuming Admission) {
        self.admission = consume admission
    }

    func release() {
        admission.take()?.release()
    }
}

enum LimitTest {
    /// A monotonic time well after 0, the TAT of a new key.
    static let start: Int64 = 1_000_000_000
    static let second: Int64 = 1_000_000
    /// 2026-12-08 12:00:00 UTC in milliseconds since 1970.
    static let noon: Int64 = 20_795 * DailyQuota.dayMillis + DailyQuota.dayMillis / 2

    /// Decides and releases any stream at once.
    static func decide(_ limiter: KeyLimiter, at now: Int64, wallMillis: Int64 = noon) -> Outcome {
        decideHolding(limiter, at: now, wallMillis: wallMillis).outcome
    }

    /// Decides and keeps an admitted request's stream in the returned box.
    static func decideHolding(_ limiter: KeyLimiter, at now: Int64,
                              wallMillis: Int64 = noon) -> (outcome: Outcome, held: Held?) {
        switch limiter.decide(monotonicMicros: now, wallMillis: wallMillis) {
        case .admit(let admission):
            return (.admitted(admission.status), Held(admission))
        case .refuse(let refusal):
            return (.refused(refusal), nil)
        }
    }
}

/// Runs `body` `iterations` times on each of two threads released together; the times each returned true.
func runOnTwoThreads(iterations: Int, _ body: @escaping @Sendable (Int) -> Bool) throws -> [Int] {
    final class Shared: @unchecked Sendable {
        let ready = Atomic<Int>(0)
        /// Each thread writes its own element; read after both are joined.
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 2)
        deinit { counts.deallocate() }
    }
    let shared = Shared()
    let threads = try (0..<2).map { thread in
        try startThread(detached: false) {
            shared.ready.add(1, ordering: .sequentiallyConsistent)
            while shared.ready.load(ordering: .sequentiallyConsistent) < 2 {}
            var count = 0
            for iteration in 0..<iterations where body(iteration) { count += 1 }
            shared.counts[thread] = count
        }
    }
    for thread in threads { pthread_join(thread, nil) }
    return [shared.counts[0], shared.counts[1]]
}

import Synchronization

/// A key's concurrent streams, shared by all workers: one atomic count, raised by compare-exchange only while
/// below the limit (an add-then-undo would let a refused request briefly hold a stream and refuse another).
/// Released through `Admission`, which can release only once. The limit is the caller's (`KeyLimiter`).
struct StreamCount: ~Copyable, Sendable {
    private let inUse = Atomic<Int>(0)

    init() {}

    /// Takes one stream; the streams still free after it, or nil when all `limit` are in use.
    borrowing func acquire(limit: Int) -> Int? {
        var current = inUse.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, seen) = inUse.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return limit - current - 1 }
            current = seen
        }
        return nil
    }

    /// Gives back one stream taken by `acquire` (only `Admission` calls it, once).
    borrowing func release() {
        let left = inUse.subtract(1, ordering: .relaxed).newValue
        precondition(left >= 0, "a stream released twice")
    }

    /// Streams in use now.
    borrowing func current() -> Int {
        inUse.load(ordering: .relaxed)
    }
}

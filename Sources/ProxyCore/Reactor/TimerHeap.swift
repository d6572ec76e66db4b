/// A binary min-heap of (time, handler) entries. Entries are lazy: the loop checks the handler's
/// current deadline when an entry comes due, so pushing a deadline later costs nothing and a
/// cancelled deadline is simply `.max`.
///
/// An entry holds its handler strongly, so lazy entries would keep a closed connection alive until the
/// latest timer it ever armed comes due (a client connection's idle timeout, 75 s by default), and with it
/// the pages around it that the allocator then cannot give back: after ten rounds of 3,000 slowloris
/// connections, 10 MB of closed connections per worker, strewn over arenas grown to 64 MB (issue 10). So
/// `push` drops, once the heap has doubled since the last time, the entries the loop would skip anyway
/// (`compact`), and the handlers they alone held go with them. That relies on the loop's bookkeeping: a handler's `queuedDeadline` is the time of its
/// entry that counts, and `.max` in `deadline` means cancelled. No handler's deinit may touch the loop.
struct TimerHeap {
    struct Entry {
        var time: UInt64
        var handler: EventHandler
    }

    private var entries: [Entry] = []
    /// The size at which the next `push` compacts first: twice what the last compaction left.
    private var compactAt = TimerHeap.smallestCompaction
    /// Below this the skipped entries cost too little to look for.
    static let smallestCompaction = 1024

    var isEmpty: Bool { entries.isEmpty }
    var earliest: UInt64? { entries.first?.time }
    var count: Int { entries.count }

    mutating func push(_ time: UInt64, _ handler: EventHandler) {
        if entries.count >= compactAt { compact() }
        entries.append(Entry(time: time, handler: handler))
        var i = entries.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard entries[parent].time > entries[i].time else { break }
            entries.swapAt(parent, i)
            i = parent
        }
    }

    mutating func popIfDue(_ now: UInt64) -> Entry? {
        guard let first = entries.first, first.time <= now else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            siftDown(0)
        }
        return first
    }

    /// Drops what `EventLoop.runDueTimers` would skip when it came due: a handler's entries other than
    /// the one at its `queuedDeadline` (superseded by an earlier one), and that one too when the deadline
    /// is cancelled (`.max`), clearing `queuedDeadline` as the loop would. Then rebuilds the heap. Linear,
    /// and at most once per doubling, so a push stays amortized O(log n).
    private mutating func compact() {
        entries.removeAll { entry in
            let handler = entry.handler
            guard entry.time == handler.queuedDeadline else { return true }
            guard handler.deadline == .max else { return false }
            handler.queuedDeadline = .max
            return true
        }
        var i = entries.count / 2
        while i > 0 {
            i -= 1
            siftDown(i)
        }
        compactAt = max(Self.smallestCompaction, 2 * entries.count)
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < entries.count && entries[l].time < entries[smallest].time { smallest = l }
            if r < entries.count && entries[r].time < entries[smallest].time { smallest = r }
            if smallest == i { break }
            entries.swapAt(i, smallest)
            i = smallest
        }
    }
}

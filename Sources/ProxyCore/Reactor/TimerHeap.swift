/// A binary min-heap of (time, handler) entries. Entries are lazy: the loop checks the handler's
/// current deadline when an entry comes due, so pushing a deadline later costs nothing and a
/// cancelled deadline is simply `.max`.
struct TimerHeap {
    struct Entry {
        var time: UInt64
        var handler: EventHandler
    }

    private var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }
    var earliest: UInt64? { entries.first?.time }
    var count: Int { entries.count }

    mutating func push(_ time: UInt64, _ handler: EventHandler) {
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
            var i = 0
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
        return first
    }
}

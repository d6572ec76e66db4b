/// The arrays one piece's merging works in, kept by their user (a tally, one `count` call) so that merging
/// allocates only when a piece is longer than any before it.
struct MergeScratch {
    /// Per byte position that starts a part: where that part ends (the next part's start).
    fileprivate var ends: [Int] = []
    /// Per part start: the previous part's start, -1 for the first.
    fileprivate var previous: [Int] = []
    /// Per part start: the rank of that part joined with the next, `.max` if that is no token (or the
    /// position no longer starts a part).
    fileprivate var pairRanks: [UInt32] = []
    /// Candidate joins as rank << 32 | start, smallest first; entries whose rank no longer matches
    /// `pairRanks` are stale and skipped.
    fileprivate var heap: [UInt64] = []
}

extension TokenVocabulary {
    /// tiktoken's byte-pair merge of a piece that is not itself a token: starting from single bytes, the
    /// adjacent pair whose joined bytes have the lowest rank is joined, the leftmost among equals, until no
    /// pair is a token. A heap keeps this O(n log n), so a long piece (a run of 100 KB of dashes) costs no
    /// more than its length warrants. Returns the number of parts; `tokenEnds` walks them.
    func merge(_ piece: UnsafeBufferPointer<UInt8>, _ scratch: inout MergeScratch) -> Int {
        let count = piece.count
        scratch.ends.removeAll(keepingCapacity: true)
        scratch.previous.removeAll(keepingCapacity: true)
        scratch.pairRanks.removeAll(keepingCapacity: true)
        scratch.heap.removeAll(keepingCapacity: true)
        for index in 0..<count {
            scratch.ends.append(index + 1)
            scratch.previous.append(index - 1)
            scratch.pairRanks.append(.max)
        }
        for index in 0..<count - 1 {
            setPair(at: index, end: index + 2, piece, &scratch)
        }
        var parts = count
        while let top = Self.popSmallest(&scratch.heap) {
            let start = Int(truncatingIfNeeded: top & 0xFFFF_FFFF)
            guard scratch.pairRanks[start] == UInt32(truncatingIfNeeded: top >> 32) else { continue }
            let right = scratch.ends[start]
            let end = scratch.ends[right]
            scratch.ends[start] = end
            scratch.pairRanks[right] = .max
            parts -= 1
            if end < count {
                scratch.previous[end] = start
                setPair(at: start, end: scratch.ends[end], piece, &scratch)
            } else {
                scratch.pairRanks[start] = .max
            }
            let before = scratch.previous[start]
            if before >= 0 { setPair(at: before, end: end, piece, &scratch) }
        }
        return parts
    }

    /// Calls `body` with the end of each part `merge` left, in order.
    func tokenEnds(_ scratch: MergeScratch, _ body: (Int) -> Void) {
        var start = 0
        while start < scratch.ends.count {
            start = scratch.ends[start]
            body(start)
        }
    }

    /// Records (and offers to the heap) the join of the part at `start` with the one ending at `end`.
    private func setPair(at start: Int, end: Int, _ piece: UnsafeBufferPointer<UInt8>, _ scratch: inout MergeScratch) {
        let rank = rank(of: UnsafeBufferPointer(rebasing: piece[start..<end])) ?? .max
        scratch.pairRanks[start] = rank
        if rank != .max { Self.push(UInt64(rank) << 32 | UInt64(start), &scratch.heap) }
    }

    private static func push(_ entry: UInt64, _ heap: inout [UInt64]) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[parent] > entry else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = entry
    }

    private static func popSmallest(_ heap: inout [UInt64]) -> UInt64? {
        guard let last = heap.popLast() else { return nil }
        guard let top = heap.first else { return last }
        var parent = 0
        while true {
            var child = 2 * parent + 1
            guard child < heap.count else { break }
            if child + 1 < heap.count, heap[child + 1] < heap[child] { child += 1 }
            guard heap[child] < last else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = last
        return top
    }
}

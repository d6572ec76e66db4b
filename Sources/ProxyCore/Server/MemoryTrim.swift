import CEpoll

/// Gives the memory that a worker's closed client connections freed back to the system.
///
/// glibc returns freed memory only from the top of an arena, and one live allocation above the freed
/// buffers pins it all. So after a burst of connections (3,000 slowloris clients, say) RSS stays near the
/// burst's high-water mark once they are gone, and each later burst, whose buffers land on other pages of
/// the same free space, raises it further until every page of the arena has been touched (issue 10: with
/// closed connections freed at once, still 27 MB to 69 MB over ten bursts). `malloc_trim(0)` releases
/// every free page of every arena.
///
/// It runs when the worker's client connections have fallen to half the most it had since the last trim,
/// if that was at least `smallestPeak`, a second later so that one burst's closes make one trim. Steady
/// traffic reuses what it frees and never triggers it; a burst that ends triggers it once or twice. One trim
/// took 1-14 ms of the worker's loop after 1,500 slowloris connections closed; with it, RSS after each of
/// thirty rounds of 3,000 stayed at 33-36 MB (27 MB idle).
final class MemoryTrim: EventHandler {
    private unowned let loop: EventLoop
    /// Emptied first: its spare blocks would pin the pages the trim is for.
    private let buffers: BufferPool
    /// The most client connections at once since the last trim.
    private var peak = 0
    private var scheduled = false
    /// Fewer connections than this free too little to be worth a trim (a 16 KB read buffer each, at most,
    /// while they wait for a head).
    static let smallestPeak = 256
    static let delayMs: UInt64 = 1_000

    init(loop: EventLoop, buffers: BufferPool) {
        self.loop = loop
        self.buffers = buffers
    }

    /// The worker's client connections are now `count`.
    func connectionsChanged(_ count: Int) {
        if count > peak {
            peak = count
        } else if !scheduled && peak >= Self.smallestPeak && count <= peak / 2 {
            scheduled = true
            loop.setTimeout(self, milliseconds: Self.delayMs)
        }
    }

    override func handleTimeout() {
        scheduled = false
        let started = cepoll_now_ms()
        buffers.trim()
        let released = cepoll_malloc_trim() == 1
        Log.debug("memory: trimmed after client connections fell from \(peak) "
            + "(\(released ? "released" : "nothing to release"), \(cepoll_now_ms() &- started) ms)")
        peak = 0
    }
}

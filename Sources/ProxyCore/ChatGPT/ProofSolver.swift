/// The worker's proof-of-work searches, run on its own loop in slices: one slice of one search per
/// loop turn, round-robin, so the worker's other connections wait at most a slice for their events.
/// No thread, lock or cross-thread hand-off: a search is a loop's deferred work like any other.
final class ProofSolver: EventHandler {
    /// Wall time of one slice. Other requests on the worker see at most this much added latency per turn.
    static let sliceNanoseconds: UInt64 = 1_000_000

    private struct Job {
        let search: ProofSearch
        let completion: (ProofSearch.Outcome) -> Void
    }

    private unowned let loop: EventLoop
    private let limit: Int
    private var jobs: [ObjectIdentifier: Job] = [:]
    /// Round-robin order of `jobs`.
    private var order: [ObjectIdentifier] = []

    init(loop: EventLoop, limit: Int) {
        self.loop = loop
        self.limit = limit
    }

    /// Queues a search; `completion` gets `.found` or `.exhausted` on a later loop turn. False, and
    /// nothing queued, when `limit` searches already run.
    func solve(_ search: ProofSearch, completion: @escaping (ProofSearch.Outcome) -> Void) -> Bool {
        guard order.count < limit else { return false }
        let id = ObjectIdentifier(search)
        jobs[id] = Job(search: search, completion: completion)
        order.append(id)
        loop.runSoon(self)
        return true
    }

    /// The turn that wanted it ended (its client left): the search stops, its completion never runs.
    func cancel(_ search: ProofSearch) {
        let id = ObjectIdentifier(search)
        guard jobs.removeValue(forKey: id) != nil else { return }
        order.removeAll { $0 == id }
    }

    override func handleDeferred() {
        guard !order.isEmpty else { return }
        let id = order.removeFirst()
        guard let job = jobs[id] else { return }
        let outcome = job.search.run(forNanoseconds: Self.sliceNanoseconds)
        if outcome == .pending {
            order.append(id)
        } else {
            jobs[id] = nil
        }
        if !order.isEmpty { loop.runSoon(self) }
        if outcome != .pending { job.completion(outcome) }
    }
}

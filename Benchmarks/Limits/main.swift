// Nanoseconds per limit decision (ProxyCore/Limits): one key decided by 1 thread and by 2 threads sharing its
// atomics, against 2 threads with a key each (what per-worker shares of a limit would cost: no shared line);
// the refusal path (reads only); a failed-check lookup; the admitted fields written. Prints Markdown.
//   LimitsBench [ITERATIONS]   decisions per thread and run (default 2,000,000); each case runs 7 times: the
//                              medians are shown, and the best CPU time (the least disturbed on a shared machine)
import Glibc
import ProxyCore
import Synchronization

let iterations = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 2_000_000 : 2_000_000
let runs = 7

func nanoseconds(_ id: clockid_t) -> Int64 {
    var ts = timespec()
    clock_gettime(id, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// What one thread measured: wall and CPU nanoseconds per operation, and how many operations admitted.
struct Sample {
    var wall: Double
    var cpu: Double
    var admitted: Int
}

/// The monotonic time the threads of one run pass in: 4 µs a decision counted over all threads, claimed in blocks
/// of 256, so a thread descheduled for a while (the machine is shared) does not fall behind the key's TAT by more
/// than its burst and get refused, as it would on a clock of its own.
final class Clock: Sendable {
    static let block = 256
    let start: Int64
    private let decisions = Atomic<Int64>(0)

    init(start: Int64) { self.start = start }

    /// The first of `block` decisions' times: each is 4 µs after the one before.
    func claim() -> Int64 {
        start + 4 * decisions.add(Int64(Self.block), ordering: .relaxed).oldValue
    }
}

/// Runs `body(thread, clock)` on `threads` threads released together; each returns the operations that admitted.
/// The clock starts a day of monotonic time after the last run's, so a key's burst is full again.
func measure(threads: Int, run: Int, _ body: @escaping @Sendable (Int, Clock) -> Int) -> [Sample] {
    final class Shared: @unchecked Sendable {
        let clock: Clock
        let ready = Atomic<Int>(0)
        /// Each thread writes its own element; read after all are joined.
        var samples: [Sample]
        init(_ count: Int, clock: Clock) {
            samples = Array(repeating: Sample(wall: 0, cpu: 0, admitted: 0), count: count)
            self.clock = clock
        }
    }
    let shared = Shared(threads, clock: Clock(start: 1_000_000_000 + Int64(run) * 86_400_000_000))
    let started = (0..<threads).map { thread in
        try! startThread(detached: false) {
            shared.ready.add(1, ordering: .sequentiallyConsistent)
            while shared.ready.load(ordering: .sequentiallyConsistent) < threads {}
            let wall = nanoseconds(CLOCK_MONOTONIC), cpu = nanoseconds(CLOCK_THREAD_CPUTIME_ID)
            let admitted = body(thread, shared.clock)
            shared.samples.withUnsafeMutableBufferPointer { samples in
                samples[thread] = Sample(wall: Double(nanoseconds(CLOCK_MONOTONIC) - wall) / Double(iterations),
                                         cpu: Double(nanoseconds(CLOCK_THREAD_CPUTIME_ID) - cpu) / Double(iterations),
                                         admitted: admitted)
            }
        }
    }
    for thread in started { pthread_join(thread, nil) }
    return shared.samples
}

/// Decides `iterations` requests on `clock`, each stream released at once. A key allowing one request a
/// microsecond admits them all, as time advances 4 µs a decision; `admitted` shows it did.
@inline(never)
func decide(_ limiter: KeyLimiter, on clock: Clock) -> Int {
    var admitted = 0
    let wall: Int64 = 1_765_152_000_000
    var done = 0
    while done < iterations {
        var now = clock.claim()
        for _ in 0..<min(Clock.block, iterations - done) {
            switch limiter.decide(monotonicMicros: now, wallMillis: wall) {
            case .admit: admitted += 1  // the decision ends here, and its admission's stream with it
            case .refuse: break
            }
            now += 4
        }
        done += Clock.block
    }
    return admitted
}

/// Runs measured so far: each starts a day of monotonic time after the last, whatever key it decides.
nonisolated(unsafe) var runsSoFar = 0

/// One table row: the medians of `runs` runs; the admitted share only for decisions.
func row(_ name: String, threads: Int, decisions: Bool = true, _ body: @escaping @Sendable (Int, Clock) -> Int) {
    var samples: [[Sample]] = []
    for _ in 0..<runs {
        samples.append(measure(threads: threads, run: runsSoFar, body))
        runsSoFar += 1
    }
    func sorted(_ value: (Sample) -> Double) -> [Double] {
        samples.map { run in run.map(value).reduce(0, +) / Double(threads) }.sorted()
    }
    func text(_ value: Double) -> String { String(Double(Int(value * 10)) / 10) }
    let admitted = samples.map { $0.map(\.admitted).reduce(0, +) }.min()!
    let share = decisions ? "\(admitted * 100 / (iterations * threads)) %" : ""
    let cpu = sorted(\.cpu)
    print("| \(name) | \(threads) | \(text(sorted(\.wall)[runs / 2])) | \(text(cpu[runs / 2])) | \(text(cpu[0])) | \(share) |")
}

let allLimits = KeyLimits(requestsPerMinute: 60_000_000, burst: 1_000_000, concurrentStreams: 1_000_000,
                          requestsPerDay: KeyLimits.perDayRange.upperBound)
let rateOnly = KeyLimits(requestsPerMinute: 60_000_000, burst: 1_000_000)

print("| case | threads | ns/op wall | ns/op CPU | best CPU | admitted |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
let sharedKey = KeyLimiter(allLimits)
row("admit, all three limits, one key", threads: 1) { decide(sharedKey, on: $1) }
row("admit, all three limits, one key shared", threads: 2) { decide(sharedKey, on: $1) }
let keyEach = [KeyLimiter(allLimits), KeyLimiter(allLimits)]
row("admit, all three limits, a key each (per-worker share)", threads: 2) { decide(keyEach[$0], on: $1) }
let sharedRate = KeyLimiter(rateOnly)
row("admit, rate only, one key", threads: 1) { decide(sharedRate, on: $1) }
row("admit, rate only, one key shared", threads: 2) { decide(sharedRate, on: $1) }
let rateEach = [KeyLimiter(rateOnly), KeyLimiter(rateOnly)]
row("admit, rate only, a key each (per-worker share)", threads: 2) { decide(rateEach[$0], on: $1) }
let spent = KeyLimiter(KeyLimits(requestsPerMinute: 1, concurrentStreams: 10, requestsPerDay: 1000))
row("refuse (rate spent), one key", threads: 1) { decide(spent, on: $1) }
row("refuse (rate spent), one key shared", threads: 2) { decide(spent, on: $1) }
row("no limits", threads: 1) { decide(KeyLimiter(KeyLimits()), on: $1) }

// A worker's failed-check table, full: lookups of addresses it holds and of ones it does not.
let table = FailedKeyChecks()
for n in 0..<UInt32(100_000) { table.recordFailure(ClientAddress(ipv4: n), now: 1_000_000_000) }
row("failed-check lookup, table full (4096)", threads: 1, decisions: false) { _, _ in
    var refused = 0
    for n in 0..<iterations where table.refusal(for: ClientAddress(ipv4: UInt32(truncatingIfNeeded: n)),
                                                now: 1_000_000_000) != nil {
        refused += 1
    }
    return refused
}
row("failed check recorded, new address each (eviction)", threads: 1, decisions: false) { _, _ in
    var recorded = 0
    for n in 0..<iterations where table.recordFailure(ClientAddress(high: 0x2001_0DB8_0000_0000 | UInt64(n), low: 0),
                                                       now: 1_000_000_000) == nil {
        recorded += 1
    }
    return recorded
}

// The admitted fields of a key with all three limits, written into a buffer that is emptied each time.
let admittedStatus: LimitStatus = switch KeyLimiter(KeyLimits(requestsPerMinute: 600, burst: 20, concurrentStreams: 8,
                                                              requestsPerDay: 100_000))
    .decide(monotonicMicros: 1_000_000_000, wallMillis: 1_765_152_000_000) {
case .admit(let admission): admission.status
case .refuse: fatalError("a new key refused")
}
row("admitted fields written (8 lines)", threads: 1, decisions: false) { _, _ in
    let status = admittedStatus
    var out = IOBuffer()
    var bytes = 0
    for _ in 0..<iterations {
        LimitHeaders.write(status, into: &out)
        bytes &+= out.readableCount
        out.consume(out.readableCount)
    }
    return bytes
}

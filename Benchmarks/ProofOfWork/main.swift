// chatgpt.com's sentinel proof of work (ProxyCore/ChatGPT/ProofSearch.swift) on one thread: tries per second
// of each hash, then solve times over random seeds, searched in 1 ms slices as a worker would run them.
// Prints Markdown; Benchmarks/pow.sh builds it in release and can append the output to RESULTS.md.
//   PoWBench [SECONDS]   the time given to each solve case (default 10); the rates take 3 s each
import Glibc
import CProofOfWork
import ProxyCore

let secondsPerCase = CommandLine.arguments.count > 1 ? Double(CommandLine.arguments[1]) ?? 10 : 10

let config = SentinelConfig(
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    buildID: "prod-5fe1c0a4b3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8", deviceID: "8f6c1a52-3b5e-5d4e-9a7f-0c2d4e6f8a1b",
    dateText: "Tue Dec 01 2026 10:04:05 GMT-0800 (Pacific Standard Time)",
    performanceNow: 48213.29999999702, timeOrigin: 1_780_000_000_000.5)

func clock(_ id: clockid_t) -> Double {
    var ts = timespec()
    clock_gettime(id, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func randomSeed() -> String { "\(Double.random(in: 0..<1))" }

func name(_ generation: SentinelGeneration) -> String { generation == .c2026 ? "FNV-1a (2026)" : "SHA3-512 (2024)" }

/// Tries per CPU second (the thread's own clock, so other work on the machine does not count) of a search
/// that never succeeds.
func rate(_ generation: SentinelGeneration, seconds: Double) -> (cpu: Double, wall: Double) {
    guard let search = ProofSearch(seed: randomSeed(), difficulty: "0000000000000000", config: config,
                                   generation: generation, maxTries: .max) else { fatalError("no search") }
    let cpuStart = clock(CLOCK_THREAD_CPUTIME_ID), wallStart = clock(CLOCK_MONOTONIC)
    while clock(CLOCK_THREAD_CPUTIME_ID) - cpuStart < seconds { _ = search.run(forNanoseconds: 10_000_000) }
    let cpu = clock(CLOCK_THREAD_CPUTIME_ID) - cpuStart, wall = clock(CLOCK_MONOTONIC) - wallStart
    return (Double(search.tries) / cpu, Double(search.tries) / wall)
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func milliseconds(_ seconds: Double) -> String {
    let ms = seconds * 1000
    return ms < 10 ? "\(Double(Int(ms * 100)) / 100)" : "\(Double(Int(ms * 10)) / 10)"
}

func millions(_ rate: Double) -> String { "\(Double(Int(rate / 10_000)) / 100) M" }

print("| hash | CPU | tries/s per core (CPU time) | tries/s (wall) |")
print("| --- | --- | ---: | ---: |")
for generation in [SentinelGeneration.c2026, .b2024] {
    let (cpu, wall) = rate(generation, seconds: 3)
    let lanes = generation == .c2026 ? (pow_fnv_uses_avx2() == 1 ? "AVX2 lanes" : "baseline lanes") : "OpenSSL"
    print("| \(name(generation)) | \(lanes) | \(millions(cpu)) | \(millions(wall)) |")
}
print("")

/// Solves with fresh random seeds until the case's time is up (at most `limit` solves), in 1 ms slices.
/// No try limit, so that the times are the whole distribution; the share past ChatGPTSite.maxProofTries
/// (where proxyd would fetch new requirements instead) is reported beside them.
print("| hash | difficulty | expected tries | solves | p50 ms | p99 ms | max ms | mean tries | past 500,000 tries | longest 1 ms slice |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for (generation, difficulty, limit) in [(SentinelGeneration.c2026, "0003ff", 5000), (.c2026, "00007f", 2000),
                                        (.c2026, "000032", 1000), (.b2024, "0003ff", 300)] {
    var times: [Double] = []
    var totalTries = 0, pastLimit = 0
    var longestSlice = 0.0
    let caseStart = clock(CLOCK_MONOTONIC)
    while times.count < limit && clock(CLOCK_MONOTONIC) - caseStart < secondsPerCase {
        let start = clock(CLOCK_MONOTONIC)
        guard let search = ProofSearch(seed: randomSeed(), difficulty: difficulty, config: config,
                                       generation: generation, maxTries: .max) else { fatalError("no search") }
        var outcome = ProofSearch.Outcome.pending
        while outcome == .pending {
            let sliceStart = clock(CLOCK_MONOTONIC)
            outcome = search.run(forNanoseconds: 1_000_000)
            longestSlice = max(longestSlice, clock(CLOCK_MONOTONIC) - sliceStart)
        }
        times.append(clock(CLOCK_MONOTONIC) - start)
        totalTries += search.tries
        if search.tries > 500_000 { pastLimit += 1 }
    }
    times.sort()
    let expected = Int(ProofSearch.expectedTries(difficulty) ?? 0)
    print("| \(name(generation)) | \(difficulty) | \(expected) | \(times.count) | \(milliseconds(percentile(times, 0.5))) "
        + "| \(milliseconds(percentile(times, 0.99))) | \(milliseconds(times.last!)) | \(totalTries / times.count) "
        + "| \(pastLimit * 100 / times.count)% | \(milliseconds(longestSlice)) |")
}

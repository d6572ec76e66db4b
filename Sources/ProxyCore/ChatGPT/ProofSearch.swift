import CProofOfWork
import Glibc

/// The sentinel's proof of work (chatgpt-web.md §2), searched in slices so that a worker's event loop can
/// run it between other work: `run(forNanoseconds:)` tries nonces for about that long and returns.
///
/// Tries run in batches of consecutive nonces through the C kernels (`ProofFrame` says what they share);
/// the clock is read between batches, both for the budget and for the elapsed milliseconds the array
/// carries, and a new frame is cut only when those milliseconds or the nonce's digit count change.
package final class ProofSearch {
    package enum Outcome: Equatable {
        case pending
        case found(String)
        case exhausted
    }

    /// Nonces tried so far; the next try uses this one.
    package private(set) var tries = 0

    private let seed: [UInt8]
    private let template: SentinelTemplate
    private let generation: SentinelGeneration
    private let maxTries: Int
    private var hash: Hash
    private let started: UInt64
    private var frame: ProofFrame?
    private var outcome = Outcome.pending

    /// nil when `difficulty` is not 1...16 hex digits (either case), or when OpenSSL has no SHA3-512
    /// (generation B). The elapsed milliseconds (the array's element 9) count from here.
    package init?(seed: String, difficulty: String, config: SentinelConfig, generation: SentinelGeneration,
                  maxTries: Int = ChatGPTSite.maxProofTries) {
        guard let target = Difficulty(difficulty) else { return nil }
        switch generation {
        case .c2026:
            hash = .fnv(prefixState: 0, threshold: UInt32(target.threshold(digestDigits: 8)))
        case .b2024:
            guard let sha3 = SHA3Prefix() else { return nil }
            hash = .sha3(sha3, threshold: target.threshold(digestDigits: 16))
        }
        self.seed = Array(seed.utf8)
        template = config.template
        precondition(template.slots.filter { $0 == .nonce }.count == 1, "ChatGPTSite.configLayout has one nonce")
        self.generation = generation
        self.maxTries = maxTries
        started = Self.now()
    }

    /// Searches for at most `budget` nanoseconds of wall time (at least one batch: about 3 µs of FNV, 20 µs
    /// of SHA3), then returns; call again to continue. `.found(proof)` is the whole proof string;
    /// `.exhausted` after `maxTries`. Once found or exhausted, the same answer again.
    package func run(forNanoseconds budget: UInt64) -> Outcome {
        guard outcome == .pending else { return outcome }
        var now = Self.now()
        let deadline = now &+ budget
        repeat {
            guard tries < maxTries else {
                outcome = .exhausted
                return outcome
            }
            let frame = currentFrame(elapsedMs: Int((now &- started) / 1_000_000))
            let lanes = min(hash.lanes, maxTries - tries, Self.firstWithMoreDigits(than: tries) - tries)
            switch hash.search(frame, from: tries, lanes: lanes) {
            case .some(let lane):
                let nonce = tries + lane
                tries = nonce + 1
                outcome = .found(ChatGPTSite.proofPrefix + frame.base64(nonce: nonce)
                    + (generation.suffixed ? ChatGPTSite.generationCSuffix : ""))
                return outcome
            case nil:
                tries += lanes
            }
            now = Self.now()
        } while now < deadline
        return .pending
    }

    /// What a browser sends when the search failed (§2 step 4).
    package static func failedProof(_ generation: SentinelGeneration) -> String {
        ChatGPTSite.proofPrefix + ChatGPTSite.failedProofMarker + Base64.encode(Array(#""e""#.utf8))
            + (generation.suffixed ? ChatGPTSite.generationCSuffix : "")
    }

    /// 16ⁿ / (value + 1): the expected tries of an n-digit difficulty, to compare with the configured maximum.
    package static func expectedTries(_ difficulty: String) -> Double? {
        guard let target = Difficulty(difficulty) else { return nil }
        var space = 1.0
        for _ in 0..<target.digits { space *= 16 }
        return space / (Double(target.value) + 1)
    }

    /// The frame for the next try, cut again when the milliseconds or the nonce's digit count changed.
    private func currentFrame(elapsedMs: Int) -> ProofFrame {
        let digitCount = Self.digitCount(tries)
        if let frame, frame.elapsedMs == elapsedMs, frame.digitCount == digitCount { return frame }
        let next = ProofFrame(template: template, seed: seed, elapsedMs: elapsedMs, digitCount: digitCount)
        hash.absorb(next.prefix)
        frame = next
        return next
    }

    private static func digitCount(_ nonce: Int) -> Int {
        var count = 1
        var rest = nonce
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }

    /// The smallest number with more decimal digits than `nonce`: a batch stops before it, so that all of
    /// its nonces have the same length.
    private static func firstWithMoreDigits(than nonce: Int) -> Int {
        var limit = 10
        while limit <= nonce {
            let (next, overflow) = limit.multipliedReportingOverflow(by: 10)
            if overflow { return Int.max }
            limit = next
        }
        return limit
    }

    private static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

/// A difficulty: 1...16 hex digits. A try passes when the first `digits` hex characters of its digest
/// compare `<=` the lowercased difficulty as strings; for equal-length lowercase hex that is the numeric
/// order, so the test becomes one comparison of the digest's leading bits with a threshold.
struct Difficulty {
    let digits: Int
    let value: UInt64

    init?(_ text: String) {
        guard (1...16).contains(text.utf8.count), let value = UInt64(text, radix: 16),
              text.utf8.allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") })
        else { return nil }
        digits = text.utf8.count
        self.value = value
    }

    /// The largest value of a digest's first `digestDigits` hex digits (8 for FNV, 16 of SHA3's 128) that
    /// passes. Shorter difficulties pass every continuation of their prefix (`0f` passes `0fffffff`); a
    /// longer one is compared with the whole shorter digest, which passes when it is at most the
    /// difficulty's first `digestDigits` digits (a string that is a prefix of another sorts before it).
    func threshold(digestDigits: Int) -> UInt64 {
        if digits >= digestDigits { return value >> (4 * UInt64(digits - digestDigits)) }
        let free = 4 * UInt64(digestDigits - digits)
        return value << free | (1 << free - 1)
    }
}

/// The hash a search runs and its state between frames.
private enum Hash {
    /// FNV-1a 32-bit with the site's finalizer (generation C).
    case fnv(prefixState: UInt32, threshold: UInt32)
    /// SHA3-512 (generation B); its prefix state lives in the C object.
    case sha3(SHA3Prefix, threshold: UInt64)

    /// Nonces per batch: all the FNV lanes (about 3 µs); few SHA3 tries (about 5 µs each), so that a slice
    /// overshoots its budget by little.
    var lanes: Int {
        switch self {
        case .fnv: Int(POW_MAX_LANES)
        case .sha3: 4
        }
    }

    mutating func absorb(_ prefix: [UInt8]) {
        switch self {
        case .fnv(_, let threshold):
            let state = prefix.withUnsafeBufferPointer { pow_fnv_update(POW_FNV_OFFSET, $0.baseAddress, $0.count) }
            self = .fnv(prefixState: state, threshold: threshold)
        case .sha3(let sha3, _):
            sha3.absorb(prefix)
        }
    }

    /// The lane of the first passing nonce in `first ..< first + lanes`, or nil.
    func search(_ frame: ProofFrame, from first: Int, lanes: Int) -> Int? {
        let lane = frame.withCFrame { cFrame in
            switch self {
            case .fnv(let state, let threshold):
                pow_fnv_search(cFrame, state, UInt64(first), Int32(lanes), threshold)
            case .sha3(let sha3, let threshold):
                sha3.search(cFrame, from: first, lanes: lanes, threshold: threshold)
            }
        }
        return lane >= 0 ? Int(lane) : nil
    }
}

/// OpenSSL's SHA3-512 state after a frame's prefix, owned here and freed with it.
private final class SHA3Prefix {
    private let state: OpaquePointer

    init?() {
        guard let state = pow_sha3_new() else { return nil }
        self.state = state
    }

    deinit { pow_sha3_free(state) }

    func absorb(_ prefix: [UInt8]) {
        let ok = prefix.withUnsafeBufferPointer { pow_sha3_set_prefix(state, $0.baseAddress, $0.count) }
        // Only an allocation failure inside OpenSSL gets here; the search cannot go on without its state.
        precondition(ok == 1, "OpenSSL SHA3-512 failed")
    }

    func search(_ frame: UnsafePointer<pow_frame>, from first: Int, lanes: Int, threshold: UInt64) -> Int32 {
        let lane = pow_sha3_search(state, frame, UInt64(first), Int32(lanes), threshold)
        precondition(lane >= -1, "OpenSSL SHA3-512 failed")
        return lane
    }
}

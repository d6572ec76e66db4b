/// Failed key checks (a missing, malformed or unknown key) per client address, on one worker: a scanner's
/// address, once over its rate, is refused with 429 before its next key is even parsed. One thread: no atomics.
///
/// Each address has a GCRA (`RateRule`: `perMinute` failures a minute, `burst` more at once) in a fixed table
/// of `capacity` entries, allocated once: 8-way buckets chosen by a hash with a per-table random seed, so a
/// lookup reads one bucket and no sequence of addresses can make the table grow or a lookup slower.
///
/// Eviction: a new address takes the entry of its bucket with the earliest TAT, that is the address closest to
/// having no failures on record (an entry whose TAT has passed is the same as no entry). An address that is
/// refused sits a whole burst ahead of `now`, so a flood of distinct addresses, each with a failure or a few, takes
/// the entries of one another and not its: to push it out, the seven other entries of its bucket must each be
/// further in debt. Where the seed is unknown, no one can aim addresses at a bucket.
package final class FailedKeyChecks {
    package struct Parameters: Sendable, Equatable {
        package var perMinute: Int
        package var burst: Int
        /// Entries, rounded up to a power of two, at least one bucket.
        package var capacity: Int
        /// IPv6 addresses count by this prefix (IPv4 addresses whole): a host can change its address within its /64.
        package var ipv6PrefixBits: Int

        package init(perMinute: Int = 10, burst: Int = 20, capacity: Int = 4096, ipv6PrefixBits: Int = 64) {
            self.perMinute = perMinute
            self.burst = burst
            self.capacity = capacity
            self.ipv6PrefixBits = ipv6PrefixBits
        }
    }

    private struct Entry {
        var address: ClientAddress
        /// 0: never used (every time passed in is later).
        var tat: Int64
    }

    static let ways = 8

    package let parameters: Parameters
    private let rule: RateRule
    private var entries: [Entry]
    private let bucketMask: UInt64
    private let seed: UInt64
    /// Entries ever used: reaches `capacity` and stays there.
    package private(set) var count = 0

    /// `seed`: random but for tests, which want the same table every run.
    package init(_ parameters: Parameters = Parameters(), seed: UInt64 = .random(in: .min ... .max)) {
        precondition(parameters.capacity >= 1 && parameters.capacity <= 1 << 24 && (0...128).contains(parameters.ipv6PrefixBits))
        self.parameters = parameters
        rule = RateRule(perMinute: parameters.perMinute, burst: parameters.burst)
        let buckets = max(1, (parameters.capacity + Self.ways - 1) / Self.ways).nextPowerOfTwo
        entries = Array(repeating: Entry(address: ClientAddress(high: 0, low: 0), tat: 0), count: buckets * Self.ways)
        bucketMask = UInt64(buckets - 1)
        self.seed = seed
    }

    /// Entries the table holds at most.
    package var capacity: Int { entries.count }

    /// The refusal for a request from `address` at `now` (monotonic microseconds) when its next failure would be
    /// over the limit: answer it 429 without looking at its key. Changes nothing.
    package func refusal(for address: ClientAddress, now: Int64) -> LimitRefusal? {
        let key = address.network(ipv6PrefixBits: parameters.ipv6PrefixBits)
        guard let index = find(key) else { return nil }
        let wait = rule.wait(tat: entries[index].tat, now: now)
        return wait > 0 ? refused(wait: wait) : nil
    }

    /// Records a failed key check from `address` at `now`. Over the limit it records nothing and returns the
    /// refusal (answer 429 rather than 401); nil when recorded.
    @discardableResult
    package func recordFailure(_ address: ClientAddress, now: Int64) -> LimitRefusal? {
        let key = address.network(ipv6PrefixBits: parameters.ipv6PrefixBits)
        let index = find(key) ?? evict(for: key)
        guard let next = rule.admitting(tat: entries[index].tat, now: now) else {
            return refused(wait: rule.wait(tat: entries[index].tat, now: now))
        }
        entries[index].tat = next
        return nil
    }

    private func refused(wait: Int64) -> LimitRefusal {
        LimitRefusal(kind: .failedKeyChecks, limit: rule.perMinute, retryAfterMillis: RateRule.millis(roundingUp: wait))
    }

    private func find(_ key: ClientAddress) -> Int? {
        let start = bucket(of: key)
        for index in start..<start + Self.ways where entries[index].address == key && entries[index].tat != 0 {
            return index
        }
        return nil
    }

    /// The entry `key` takes: the bucket's unused one or the one with the earliest TAT, started afresh.
    private func evict(for key: ClientAddress) -> Int {
        let start = bucket(of: key)
        var victim = start
        for index in start + 1..<start + Self.ways where entries[index].tat < entries[victim].tat {
            victim = index
        }
        if entries[victim].tat == 0 { count += 1 }
        entries[victim] = Entry(address: key, tat: 0)
        return victim
    }

    private func bucket(of key: ClientAddress) -> Int {
        // A multiply-xorshift mix keyed by the seed: every bit of the address moves the bucket.
        var hash = (key.high ^ seed) &* 0x9E37_79B9_7F4A_7C15
        hash = (hash ^ key.low ^ (hash >> 29)) &* 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 32
        return Int(hash & bucketMask) * Self.ways
    }
}

private extension Int {
    var nextPowerOfTwo: Int {
        self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount)
    }
}

import Glibc

/// Where a new upstream connection's setup spent its time (DNS, TCP, proxy handshake, TLS): the metrics'
/// connect-stage histograms, and one debug log line that operators and `Benchmarks/run.sh --cases setup` read.
/// The clock is read once per stage, a handful of times per new connection and never per request.
struct SetupTimings {
    enum Stage: Int, CaseIterable {
        case dns, tcp, proxy, tls
    }

    /// Nanoseconds on the monotonic clock at the end of the last stage: `loop.now` counts whole
    /// milliseconds, too coarse for loopback stages.
    private var mark: UInt64
    /// Nanoseconds per stage, by `Stage.rawValue`.
    private var spent: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    /// Which stages happened, a bit per `Stage.rawValue`.
    private var ended: UInt8 = 0

    init() {
        mark = Self.clock()
    }

    /// Charges the time since the previous stage ended to `stage`; stages may end more than once (a SOCKS5
    /// dial resolves the destination and then the proxy), adding up.
    mutating func end(_ stage: Stage) {
        let now = Self.clock()
        let elapsed = now &- mark
        mark = now
        switch stage {
        case .dns: spent.0 &+= elapsed
        case .tcp: spent.1 &+= elapsed
        case .proxy: spent.2 &+= elapsed
        case .tls: spent.3 &+= elapsed
        }
        ended |= 1 << stage.rawValue
    }

    /// The nanoseconds of `stage`, nil when it did not happen.
    func nanoseconds(_ stage: Stage) -> UInt64? {
        guard ended & (1 << stage.rawValue) != 0 else { return nil }
        switch stage {
        case .dns: return spent.0
        case .tcp: return spent.1
        case .proxy: return spent.2
        case .tls: return spent.3
        }
    }

    /// "dns=0.12 tcp=0.05 proxy=0.31 tls=1.80" in milliseconds; proxy and TLS are left out when they did not
    /// happen.
    var text: String {
        var line = "dns=\(Self.milliseconds(spent.0)) tcp=\(Self.milliseconds(spent.1))"
        if let proxy = nanoseconds(.proxy) { line += " proxy=\(Self.milliseconds(proxy))" }
        if let tls = nanoseconds(.tls) { line += " tls=\(Self.milliseconds(tls))" }
        return line
    }

    private static func clock() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Nanoseconds as milliseconds with two decimals, rounded: 1_234_567 → "1.23".
    static func milliseconds(_ nanoseconds: UInt64) -> String {
        let hundredths = (nanoseconds &+ 5_000) / 10_000
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

import Glibc

/// Where a new upstream connection's setup spent its time (DNS, TCP, proxy handshake, TLS), for one debug
/// log line that operators and `Benchmarks/run.sh --cases setup` read. The clock is read only while debug
/// logging is on; otherwise every figure stays zero and nothing is printed.
struct SetupTimings {
    enum Stage {
        case dns, tcp, proxy, tls
    }

    private let enabled: Bool
    /// Nanoseconds on the monotonic clock at the end of the last stage: `loop.now` counts whole
    /// milliseconds, too coarse for loopback stages.
    private var mark: UInt64 = 0
    private var dns: UInt64 = 0, tcp: UInt64 = 0, proxy: UInt64 = 0, tls: UInt64 = 0
    private var ended: (proxy: Bool, tls: Bool) = (false, false)

    init() {
        enabled = Log.enabled(.debug)
        if enabled { mark = Self.clock() }
    }

    /// Charges the time since the previous stage ended to `stage`; stages may end more than once (a SOCKS5
    /// dial resolves the destination and then the proxy), adding up.
    mutating func end(_ stage: Stage) {
        guard enabled else { return }
        let now = Self.clock()
        let spent = now &- mark
        mark = now
        switch stage {
        case .dns: dns &+= spent
        case .tcp: tcp &+= spent
        case .proxy: proxy &+= spent; ended.proxy = true
        case .tls: tls &+= spent; ended.tls = true
        }
    }

    /// "dns=0.12 tcp=0.05 proxy=0.31 tls=1.80" in milliseconds; stages that did not happen are left out.
    var text: String {
        var line = "dns=\(Self.milliseconds(dns)) tcp=\(Self.milliseconds(tcp))"
        if ended.proxy { line += " proxy=\(Self.milliseconds(proxy))" }
        if ended.tls { line += " tls=\(Self.milliseconds(tls))" }
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

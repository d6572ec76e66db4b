/// One client connection's current request as the metrics see it: its route group, when its head began and whether
/// its response head went out. `ClientConnection` calls it where those events happen; it records into the worker's
/// metrics, each request once.
struct RequestMeter {
    /// Loop nanoseconds at the head's first byte.
    private var started: UInt64 = 0
    /// Between the head's first byte and the request's end.
    private var active = false
    private var group = RouteGroup.other
    private var headSent = false

    /// Bytes of a request head are in the input; from now on the request's times count.
    mutating func headBegan(now: UInt64) {
        guard !active else { return }
        active = true
        started = now
        group = .other
        headSent = false
    }

    mutating func routed(_ group: RouteGroup) {
        self.group = group
    }

    /// The response head is in the output.
    mutating func responseStarted(now: UInt64, _ metrics: WorkerMetrics) {
        guard active, !headSent else { return }
        headSent = true
        metrics.observe(.firstByteSeconds, series: group.rawValue, nanoseconds: now &- started)
    }

    /// The answer is complete in the output, or the request was cut; `status` is the one sent, if any.
    mutating func ended(status: Int, now: UInt64, _ metrics: WorkerMetrics) {
        guard active else { return }
        active = false
        let statusClass = headSent ? StatusClass(status: status) : .none
        metrics.count(.requests, series: group.rawValue * StatusClass.count + statusClass.rawValue)
        metrics.observe(.requestSeconds, series: group.rawValue, nanoseconds: now &- started)
    }
}

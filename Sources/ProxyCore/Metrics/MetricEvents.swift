/// The events that set several cells at once, or whose series is a combination of labels: one call at the place
/// that owns the event.
extension WorkerMetrics {
    /// An upstream connection is set up: by protocol, its stages' times, and its TLS handshake if it had one.
    func upstreamOpened(_ wire: WireLabel, timings: SetupTimings, tlsResumed: Bool?) {
        count(.upstreamConnectionsNew, series: wire.rawValue)
        count(.upstreamConnectionsActive, series: wire.rawValue)
        for stage in SetupTimings.Stage.allCases {
            if let nanoseconds = timings.nanoseconds(stage) {
                observe(.connectStageSeconds, series: stage.rawValue, nanoseconds: nanoseconds)
            }
        }
        guard let tlsResumed else { return }
        count(.tlsHandshakes)
        if tlsResumed { count(.tlsResumptions) }
    }

    /// A worker's view of an upstream proxy changed; `failed`: it was marked down after a failure.
    func proxyHealth(_ index: Int, down: Bool, failed: Bool = false) {
        setGauge(.proxyDown, series: index, down ? 1 : 0)
        if failed { count(.proxyMarkedDown, series: index) }
    }

    /// A request of the ChatGPT handshake ended; the proof of work is `proof`'s.
    func handshakeStep(_ step: TurnStep, _ result: StepResult, nanoseconds: UInt64) {
        guard let row = step.metricsIndex else { return }
        count(.handshakeSteps, series: row * StepResult.count + result.rawValue)
        observe(.handshakeStepSeconds, series: row, nanoseconds: nanoseconds)
    }

    /// A proof of work ended; `nanoseconds` when it was searched.
    func proof(_ result: ProofResult, nanoseconds: UInt64? = nil) {
        count(.proofSolves, series: result.rawValue)
        if let nanoseconds { observe(.proofSeconds, nanoseconds: nanoseconds) }
    }
}

/// proxyd's metric families, in the order the scrape shows them. Each is counted at the one place that owns its
/// event (ARCHITECTURE.md, "Metrics").
enum MetricFamily: Int, CaseIterable {
    case requests, requestSeconds, firstByteSeconds, streamsInFlight
    case clientReceivedBytes, clientSentBytes, upstreamReceivedBytes, upstreamSentBytes
    case upstreamConnectionsNew, upstreamConnectionsReused, upstreamConnectionsActive, connectStageSeconds
    case tlsHandshakes, tlsResumptions, dnsCacheHits, dnsCacheMisses
    case proxyDown, proxyMarkedDown
    case handshakeSteps, handshakeStepSeconds, proofSolves, proofSeconds

    func description(proxies: Int) -> MetricDescription {
        let route = ("route", RouteGroup.allCases.map(\.label))
        let wire = ("protocol", WireLabel.allCases.map(\.label))
        let proxy = ("proxy", (0..<proxies).map { String($0) })
        let step = ("step", TurnStep.requestSteps.map(\.label))
        func make(_ name: String, _ kind: MetricKind, _ help: String,
                  _ labels: [(name: String, values: [String])] = []) -> MetricDescription {
            MetricDescription(name: name, help: help, kind: kind, labels: labels)
        }
        switch self {
        case .requests:
            return make("proxyd_requests_total", .counter,
                        "Requests answered or cut, by route group and the class of the status sent (none: no response "
                        + "head went out).", [route, ("status_class", StatusClass.allCases.map(\.label))])
        case .requestSeconds:
            return make("proxyd_request_duration_seconds", .histogram,
                        "From a request head's first byte until its answer is complete in proxyd's output, or cut.",
                        [route])
        case .firstByteSeconds:
            return make("proxyd_request_first_byte_seconds", .histogram,
                        "From a request head's first byte until the response head is in proxyd's output.", [route])
        case .streamsInFlight:
            return make("proxyd_streams_in_flight", .gauge,
                        "Requests under way (forwarded, conversation turns, /imitate/v1 calls and logins): what "
                        + "PROXYD_MAX_STREAMS bounds per worker.")
        case .clientReceivedBytes:
            return make("proxyd_client_received_bytes_total", .counter, "Bytes read from clients.")
        case .clientSentBytes:
            return make("proxyd_client_sent_bytes_total", .counter, "Bytes written to clients.")
        case .upstreamReceivedBytes:
            return make("proxyd_upstream_received_bytes_total", .counter,
                        "Bytes read from upstream connections (inside TLS).")
        case .upstreamSentBytes:
            return make("proxyd_upstream_sent_bytes_total", .counter,
                        "Bytes written to upstream connections (inside TLS).")
        case .upstreamConnectionsNew:
            return make("proxyd_upstream_connections_new_total", .counter,
                        "Upstream connections set up, by the protocol ALPN chose.", [wire])
        case .upstreamConnectionsReused:
            return make("proxyd_upstream_connections_reused_total", .counter,
                        "Requests started on an upstream connection that had carried a request before.", [wire])
        case .upstreamConnectionsActive:
            return make("proxyd_upstream_connections_active", .gauge, "Upstream connections open.", [wire])
        case .connectStageSeconds:
            return make("proxyd_upstream_connect_stage_seconds", .histogram,
                        "Time each stage of setting up an upstream connection took, for the connections set up.",
                        [("stage", SetupTimings.Stage.allCases.map(\.label))])
        case .tlsHandshakes:
            return make("proxyd_upstream_tls_handshakes_total", .counter, "Upstream TLS handshakes completed.")
        case .tlsResumptions:
            return make("proxyd_upstream_tls_resumptions_total", .counter,
                        "Upstream TLS handshakes that resumed a session.")
        case .dnsCacheHits:
            return make("proxyd_dns_cache_hits_total", .counter, "Upstream names answered from the DNS cache.")
        case .dnsCacheMisses:
            return make("proxyd_dns_cache_misses_total", .counter,
                        "Upstream names not in the DNS cache: a query was sent or joined.")
        case .proxyDown:
            return make("proxyd_upstream_proxy_down", .gauge,
                        "Workers that hold this upstream proxy down (each worker keeps its own view; 0: up).", [proxy])
        case .proxyMarkedDown:
            return make("proxyd_upstream_proxy_marked_down_total", .counter,
                        "Times a worker marked this upstream proxy down.", [proxy])
        case .handshakeSteps:
            return make("proxyd_chatgpt_handshake_steps_total", .counter,
                        "Requests of the ChatGPT sentinel handshake, by step and how they ended.",
                        [step, ("result", StepResult.allCases.map(\.label))])
        case .handshakeStepSeconds:
            return make("proxyd_chatgpt_handshake_step_seconds", .histogram,
                        "Time each request of the ChatGPT sentinel handshake took.", [step])
        case .proofSolves:
            return make("proxyd_chatgpt_pow_solves_total", .counter,
                        "Proofs of work the site asked for, by what became of them.",
                        [("result", ProofResult.allCases.map(\.label))])
        case .proofSeconds:
            return make("proxyd_chatgpt_pow_seconds", .histogram,
                        "Time a proof of work took from its start to its answer (found or exhausted).")
        }
    }
}

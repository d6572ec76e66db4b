/// The browser or library whose TLS, HTTP/2 and header fingerprint upstream requests carry.
package enum TLSProfileName: String, CaseIterable, Sendable {
    case chrome, firefox, safari, edge, okhttp, openssl
}

/// How each log line is written: plain text for a terminal or the journal, or one JSON object a line for a log
/// collector (Loki, Elasticsearch, CloudWatch) to index without a parsing rule.
package enum LogFormat: String, CaseIterable, Sendable {
    case text, json
}

/// Comparable by severity, so `message <= configured` means "log it".
package enum LogLevel: String, CaseIterable, Comparable, Sendable {
    case error, warning, info, debug

    private var rank: Int {
        switch self {
        case .error: return 0
        case .warning: return 1
        case .info: return 2
        case .debug: return 3
        }
    }

    package static func < (a: LogLevel, b: LogLevel) -> Bool { a.rank < b.rank }
}

/// A setting that is on or off (`PROXYD_ACCESS_LOG`, `PROXYD_IMITATE_HISTORY`).
package enum Switch: String, CaseIterable, Sendable {
    case off, on
}

/// How a request picks one of several upstream proxies (`PROXYD_PROXY_POLICY`).
package enum ProxyPolicy: String, CaseIterable, Sendable {
    /// Each request takes the next proxy that is up.
    case roundRobin = "round-robin"
    /// A client token (its Authorization header) always maps to the same proxy while that one is up,
    /// so one user keeps one egress IP.
    case sticky
}

/// What the keys' limits do to a request over one (`PROXYD_LIMITS`).
package enum LimitsMode: String, CaseIterable, Sendable {
    /// Refused with 429.
    case enforce
    /// Admitted, with a log line saying what would have refused it: to try limits on live traffic first.
    case shadow
}

/// Which sentinel handshake runs before a ChatGPT conversation (`PROXYD_CHATGPT_SENTINEL`).
package enum SentinelMode: String, CaseIterable, Sendable {
    case c2026 = "2026"
    case b2024 = "2024"
    case off

    /// The handshake to perform; nil: relay the client's request as it is.
    package var generation: SentinelGeneration? {
        switch self {
        case .c2026: return .c2026
        case .b2024: return .b2024
        case .off: return nil
        }
    }
}

/// Which limit refused a request.
package enum LimitKind: Sendable, Equatable {
    /// The key's rate: requests a minute with a burst.
    case requests
    /// The key's concurrent streams.
    case streams
    /// The key's requests per UTC day.
    case requestsPerDay
    /// The client address's failed key checks (a scanner), checked before any key.
    case failedKeyChecks

    /// The 429's `errorMessage`: a literal, so a refusal allocates no text.
    package var message: String {
        switch self {
        case .requests: return "rate limit reached: too many requests a minute for this key"
        case .streams: return "concurrency limit reached: this key has all its streams open"
        case .requestsPerDay: return "daily quota used up: this key may send no more requests today (UTC)"
        case .failedKeyChecks: return "too many failed key checks from this address"
        }
    }
}

/// A request refused by a limit: always 429. Carries what the answer's fields need (`LimitHeaders`) and, in
/// shadow mode (`PROXYD_LIMITS=shadow`), what the log line says would have been refused.
package struct LimitRefusal: Sendable, Equatable {
    package var kind: LimitKind
    /// The limit as configured: requests a minute, streams, requests a day, or failed checks a minute.
    package var limit: Int
    /// Milliseconds until one request would be admitted, rounded up from the exact microseconds; nil for streams,
    /// which free when some stream ends, at no time known in advance.
    package var retryAfterMillis: Int64?
    /// Milliseconds until the limit is back to full: the whole burst (requests), the next UTC midnight (a day);
    /// nil for the others.
    package var resetMillis: Int64?

    package var status: Int { 429 }

    /// False when waiting cannot help the same request: a day's quota used up (until midnight), or an address
    /// refused for failing key checks (the key was bad). Sent as `x-should-retry: false`, which the OpenAI SDKs obey.
    package var shouldRetry: Bool {
        kind == .requests || kind == .streams
    }

    /// What was refused, with its numbers, for a log line (the enforce mode's debug line, the shadow mode's
    /// "would refuse").
    package var logDescription: String {
        let wait = retryAfterMillis.map { ", retry after \($0) ms" } ?? ""
        switch kind {
        case .requests: return "rate of \(limit) requests a minute reached\(wait)"
        case .streams: return "all \(limit) concurrent streams in use"
        case .requestsPerDay: return "daily quota of \(limit) requests used up\(wait)"
        case .failedKeyChecks: return "more than \(limit) failed key checks a minute from this address\(wait)"
        }
    }
}

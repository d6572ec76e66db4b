/// What `KeyLimiter.decide` answers for one request. Noncopyable because an admission holds a stream:
/// `switch` it and keep the admission until the stream ends (`case .admit(let admission)`), or the stream is
/// given back as the decision ends.
package enum LimitDecision: ~Copyable {
    case admit(Admission)
    case refuse(LimitRefusal)
}

/// One limit's state after an admitted request.
package struct LimitCount: Sendable, Equatable {
    package var limit: Int
    /// Requests admitted at once from now (requests), streams still free (streams), requests left today.
    package var remaining: Int
    /// Milliseconds until back to full, rounded up: the whole burst (requests), the next UTC midnight (a day);
    /// nil for streams, which free as streams end.
    package var resetMillis: Int64?
}

/// A key's limits after an admitted request; nil where the key has no such limit (and then no such fields).
package struct LimitStatus: Sendable, Equatable {
    package var requests: LimitCount?
    package var streams: LimitCount?
    package var requestsPerDay: LimitCount?
}

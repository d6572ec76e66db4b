/// An admitted request: its key's state after it, for the `x-proxyd-ratelimit-*` fields of its response head, and
/// the concurrent stream it holds, given back exactly once: when `release()` consumes it or when it is dropped,
/// whichever comes first. Noncopyable, so no second owner can give the stream back again. The exchange keeps it
/// (`var admission: Admission?`) until its stream ends, then `admission.take()?.release()` (or `admission = nil`).
///
/// One value rather than a slot and a status side by side: the status stays at hand until the response head is
/// written, and a caller in another module can keep it whole (it could not take one field of a noncopyable value
/// out of another module's enum payload). It holds its key's limiter, so a key reloaded or revoked mid-stream
/// still gets its stream back.
package struct Admission: ~Copyable {
    package let status: LimitStatus
    /// nil when the key has no limit on concurrent streams: nothing to give back.
    private let limiter: KeyLimiter?

    init(status: LimitStatus, holding limiter: KeyLimiter?) {
        self.status = status
        self.limiter = limiter
    }

    deinit {
        limiter?.streams.release()
    }

    /// Gives the stream back (the deinit does, as `self` ends here).
    package consuming func release() {}
}

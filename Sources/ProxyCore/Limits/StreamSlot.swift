/// The concurrent stream an admitted request holds, given back exactly once: when `release()` consumes it or when
/// it is dropped, whichever comes first. Noncopyable, so no second owner can give it back again. The exchange keeps
/// it (`var slot: StreamSlot?`) until its stream ends, then `slot.take()?.release()` (or `slot = nil`).
///
/// It holds its key's limiter, so a key reloaded or revoked mid-stream still gets its stream back.
package struct StreamSlot: ~Copyable {
    /// nil when the key has no limit on concurrent streams: nothing to give back.
    private let limiter: KeyLimiter?

    init(_ limiter: KeyLimiter?) {
        self.limiter = limiter
    }

    deinit {
        limiter?.streams.release()
    }

    /// Gives the stream back (the deinit does, as `self` ends here).
    package consuming func release() {}
}

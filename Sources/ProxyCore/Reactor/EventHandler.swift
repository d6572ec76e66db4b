/// Something the event loop drives: a socket's readiness events and one timer.
/// Subclasses are final; dispatch goes through this class's vtable, not an existential.
class EventHandler {
    /// The registration token (slot and generation), 0 when not registered.
    var token: UInt64 = 0
    /// When the timer fires; `.max` for never. Set it with `EventLoop.setTimer` or `setDeadline`.
    var deadline: UInt64 = .max
    /// Which of the handler's timers `deadline` is (the handler's own numbering): handed back when it fires.
    var timerKind: UInt8 = 0
    /// The earliest time this handler has an entry in the loop's timer heap, `.max` for none.
    var queuedDeadline: UInt64 = .max
    /// Already in the loop's deferred list: `runSoon` adds it once per batch.
    var deferredQueued = false
    /// Already in the loop's flush list: `flushSoon` adds it once per turn.
    var flushQueued = false

    func handleEvents(_ events: UInt32) {}
    /// A handler with one kind of timer overrides this.
    func handleTimeout() {}
    /// A handler with several kinds of timers overrides this; `kind` is the one `setTimer` armed.
    func handleTimer(_ kind: UInt8) { handleTimeout() }
    /// Work queued with `EventLoop.runSoon`, run after the current batch of events.
    func handleDeferred() {}
    /// Output queued with `EventLoop.flushSoon`, written at the end of the loop turn.
    func handleFlush() {}
}

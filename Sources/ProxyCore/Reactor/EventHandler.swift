/// Something the event loop drives: a socket's readiness events and one deadline.
/// Subclasses are final; dispatch goes through this class's vtable, not an existential.
class EventHandler {
    /// The registration token (slot and generation), 0 when not registered.
    var token: UInt64 = 0
    /// When `handleTimeout` should run; `.max` for never. Set it with `EventLoop.setDeadline`.
    var deadline: UInt64 = .max
    /// The earliest time this handler has an entry in the loop's timer heap, `.max` for none.
    var queuedDeadline: UInt64 = .max
    /// Already in the loop's deferred list: `runSoon` adds it once per batch.
    var deferredQueued = false

    func handleEvents(_ events: UInt32) {}
    func handleTimeout() {}
    /// Work queued with `EventLoop.runSoon`, run after the current batch of events.
    func handleDeferred() {}
}

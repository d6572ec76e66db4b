import CEpoll
import Glibc

/// One thread's event loop: an epoll set, a slot table of handlers, a timer heap and an eventfd
/// that other threads use to hand it work. Everything here is touched by its own thread only,
/// except `post`, which is the one cross-thread entry.
final class EventLoop {
    private let epfd: Int32
    private var handlers: [EventHandler?] = [nil]  // slot 0 is never used: token 0 means "none"
    private var generations: [UInt32] = [0]
    private var freeSlots: [Int] = []
    private var timers = TimerHeap()
    private var running = false
    /// Handlers with work queued by `runSoon`, and with output queued by `flushSoon`.
    private let deferred = TurnQueue(), flushes = TurnQueue()

    /// Milliseconds on the monotonic clock, refreshed once per loop iteration.
    private(set) var now: UInt64
    /// The same instant in nanoseconds, for durations finer than `now` tells (the metrics' histograms).
    private(set) var nowNanos: UInt64

    private let wakeFD: Int32
    private var mailboxLock = pthread_mutex_t()
    private var mailbox: [() -> Void] = []
    private static let wakeToken: UInt64 = .max

    init() throws {
        epfd = cepoll_create()
        guard epfd >= 0 else { throw SystemError("epoll_create1", cepoll_errno()) }
        wakeFD = cepoll_eventfd()
        guard wakeFD >= 0 else { throw SystemError("eventfd", cepoll_errno()) }
        nowNanos = cepoll_now_ns()
        now = nowNanos / 1_000_000
        pthread_mutex_init(&mailboxLock, nil)
        guard cepoll_add(epfd, wakeFD, CEPOLL_IN, Self.wakeToken) == 0 else {
            throw SystemError("epoll_ctl", cepoll_errno())
        }
    }

    deinit {
        close(epfd)
        close(wakeFD)
        pthread_mutex_destroy(&mailboxLock)
    }

    // MARK: registration

    /// Registers `fd` edge-triggered for reads, writes and peer hang-up.
    func register(_ handler: EventHandler, fd: Int32) throws {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            handlers[slot] = handler
        } else {
            slot = handlers.count
            handlers.append(handler)
            generations.append(0)
        }
        let token = UInt64(generations[slot]) << 32 | UInt64(slot)
        let events = CEPOLL_IN | CEPOLL_OUT | CEPOLL_RDHUP | CEPOLL_ET
        guard cepoll_add(epfd, fd, events, token) == 0 else {
            let err = cepoll_errno()
            release(slot)
            throw SystemError("epoll_ctl", err)
        }
        handler.token = token
    }

    /// Listeners are level-triggered for reads only, so a backlog left by `accept` limits is seen again.
    func registerListener(_ handler: EventHandler, fd: Int32) throws {
        let slot = handlers.count
        handlers.append(handler)
        generations.append(0)
        let token = UInt64(slot)
        guard cepoll_add(epfd, fd, CEPOLL_IN, token) == 0 else {
            throw SystemError("epoll_ctl", cepoll_errno())
        }
        handler.token = token
    }

    /// Stops or restarts read events for a listener registered with `registerListener`.
    func setListening(_ handler: EventHandler, fd: Int32, _ enabled: Bool) {
        _ = cepoll_mod(epfd, fd, enabled ? CEPOLL_IN : 0, handler.token)
    }

    /// Forgets the handler: events already fetched for it are dropped (the generation changes).
    /// Closing the fd removes it from epoll; `fd` is passed so it can be removed before that too.
    func deregister(_ handler: EventHandler, fd: Int32) {
        guard handler.token != 0 else { return }
        _ = cepoll_del(epfd, fd)
        release(Int(handler.token & 0xffff_ffff))
        handler.token = 0
        handler.deadline = .max
    }

    private func release(_ slot: Int) {
        handlers[slot] = nil
        generations[slot] &+= 1
        freeSlots.append(slot)
    }

    // MARK: timers

    /// Sets when `handler.handleTimeout` runs (`.max` cancels).
    func setDeadline(_ handler: EventHandler, _ time: UInt64) {
        setTimer(handler, kind: 0, at: time)
    }

    /// Arms the handler's one timer as `kind` at `time` (`.max` cancels); `handleTimer(kind)` runs then.
    /// Moving a deadline later costs nothing here: the heap entry stays, and when it comes due the
    /// handler is pushed again for its new time.
    func setTimer(_ handler: EventHandler, kind: UInt8, at time: UInt64) {
        handler.deadline = time
        handler.timerKind = kind
        if time < handler.queuedDeadline {
            handler.queuedDeadline = time
            timers.push(time, handler)
        }
    }

    func setTimeout(_ handler: EventHandler, milliseconds: UInt64) {
        setDeadline(handler, now &+ milliseconds)
    }

    private func runDueTimers() {
        while let entry = timers.popIfDue(now) {
            let handler = entry.handler
            // A stale duplicate: a later-pushed, earlier entry has already been handled.
            guard entry.time == handler.queuedDeadline else { continue }
            handler.queuedDeadline = .max
            if handler.deadline <= now {
                handler.deadline = .max
                handler.handleTimer(handler.timerKind)
            } else if handler.deadline != .max {
                handler.queuedDeadline = handler.deadline
                timers.push(handler.deadline, handler)
            }
        }
    }

    /// Runs `handler.handleDeferred()` after the current batch of events, so a handler can continue
    /// work (such as the next pipelined request) without re-entering whoever called it.
    func runSoon(_ handler: EventHandler) {
        guard !handler.deferredQueued else { return }
        handler.deferredQueued = true
        deferred.append(handler)
    }

    /// Runs `handler.handleFlush()` at the end of this loop turn, after the events, timers and deferred
    /// work, so everything the turn queued for one socket leaves in one write: the requests of all the
    /// clients read in a turn share one TLS record and one send on their HTTP/2 connection.
    func flushSoon(_ handler: EventHandler) {
        guard !handler.flushQueued else { return }
        handler.flushQueued = true
        flushes.append(handler)
    }

    // MARK: cross-thread

    /// Runs `work` on this loop's thread soon. The only method other threads may call.
    func post(_ work: @escaping () -> Void) {
        pthread_mutex_lock(&mailboxLock)
        mailbox.append(work)
        pthread_mutex_unlock(&mailboxLock)
        _ = cepoll_eventfd_signal(wakeFD)
    }

    private func drainMailbox() {
        _ = cepoll_eventfd_drain(wakeFD)
        pthread_mutex_lock(&mailboxLock)
        let work = mailbox
        mailbox.removeAll()
        pthread_mutex_unlock(&mailboxLock)
        for item in work { item() }
    }

    // MARK: running

    func run() {
        running = true
        let events = UnsafeMutablePointer<cepoll_event>.allocate(capacity: 256)
        defer { events.deallocate() }
        while running {
            var timeout: Int32 = -1
            if !deferred.isEmpty || !flushes.isEmpty {
                timeout = 0
            } else if let earliest = timers.earliest {
                timeout = earliest <= now ? 0 : Int32(clamping: earliest - now)
            }
            let n = cepoll_wait(epfd, events, 256, timeout)
            nowNanos = cepoll_now_ns()
            now = nowNanos / 1_000_000
            if n > 0 {
                for i in 0..<Int(n) {
                    let event = events[i]
                    if event.token == Self.wakeToken {
                        drainMailbox()
                        continue
                    }
                    let slot = Int(event.token & 0xffff_ffff)
                    guard slot < handlers.count, UInt64(generations[slot]) == event.token >> 32,
                          let handler = handlers[slot] else { continue }
                    handler.handleEvents(event.events)
                }
            }
            runDueTimers()
            deferred.run { handler in
                handler.deferredQueued = false
                handler.handleDeferred()
            }
            flushes.run { handler in
                handler.flushQueued = false
                handler.handleFlush()
            }
        }
    }

    func stop() { running = false }
}

/// Handlers queued for work once per loop turn. A class, so a handler may queue more while `run` runs
/// (that waits for the next turn, and sockets keep being polled even if some handler keeps asking). The
/// two arrays are swapped, not copied: copying one that is then emptied would allocate every turn.
private final class TurnQueue {
    private var queued: [EventHandler] = []
    private var running: [EventHandler] = []

    var isEmpty: Bool { queued.isEmpty }

    func append(_ handler: EventHandler) { queued.append(handler) }

    func run(_ body: (EventHandler) -> Void) {
        swap(&queued, &running)
        for handler in running { body(handler) }
        running.removeAll(keepingCapacity: true)
    }
}

import CEpoll
import Glibc

/// One connection to an upstream origin: a `Dialer` brings the socket (directly or through the route's
/// proxy), this adds TLS (`TLSStream`), then the protocol ALPN picks: `HTTP1Client` (one exchange at a
/// time) or `HTTP2Session` (one stream per `UpstreamUser`). It moves bytes between the socket and the
/// protocol; requests that arrive while it dials wait in `waiting`. Between exchanges it waits in the
/// worker's pool.
final class UpstreamConnection: EventHandler {
    enum State {
        case dialing, handshaking, open, closed
    }

    enum WireProtocol {
        case unknown, http1, http2
    }

    /// The connection's timers; one is armed at a time.
    private enum Timer: UInt8 {
        /// PROXYD_TLS_TIMEOUT for the handshake.
        case tlsHandshake
        /// A PING checks an idle HTTP/2 connection before reuse; no answer in time closes it.
        case ping
        /// PROXYD_UPSTREAM_IDLE_CLOSE without requests.
        case idle
    }

    let origin: UpstreamOrigin
    let route: DialRoute
    unowned(unsafe) let worker: Worker  // a worker outlives everything on its loop (see ClientConnection)
    private(set) var state = State.dialing
    private(set) var wireProtocol = WireProtocol.unknown
    // Set up in UpstreamConnection+Dial.swift.
    var dialer: Dialer?
    var fd: Int32 = -1
    private(set) var tls: TLSStream?
    var setupTimings = SetupTimings()

    /// HTTP/2 frames to send; HTTP/1.1 request bytes wait in `http1.output`.
    private var output: IOBuffer
    private var input: IOBuffer
    private var readable = false
    /// The peer's FIN or an error was reported: read to the end rather than trusting a short read,
    /// whose edge has already been consumed.
    private var peerHungUp = false

    /// Requests that asked for this connection before it could start them.
    private var waiting: [UpstreamUser] = []
    private var session: HTTP2Session?
    private var http1: HTTP1Client?
    private var sendingFrames = false
    /// A PING is out to check an idle HTTP/2 connection before the requests in `waiting` use it.
    private var pinging = false
    /// When the upstream last sent anything (loop milliseconds).
    private var lastActivity: UInt64 = 0
    private var framesPending = false
    /// Inside the protocol's receive: nghttp2's callbacks must not make nghttp2 send, and HTTP1Client
    /// holds `input` meanwhile.
    private var receiving = false

    private static let readSize = 16 * 1024
    /// Reads (of up to `readSize`) after which the users write out what they got, within one batch.
    private static let batchReads = 16

    init(origin: UpstreamOrigin, route: DialRoute, worker: Worker) {
        self.origin = origin
        self.route = route
        self.worker = worker
        output = IOBuffer(pool: worker.buffers)
        input = IOBuffer(pool: worker.buffers)
    }

    var key: UpstreamPool.Key { UpstreamPool.Key(origin: origin, route: route) }

    /// An open HTTP/1.1 connection with no exchange.
    var isIdleHTTP1: Bool { state == .open && http1?.isIdle == true }

    /// Whether a new request can be placed here now or once the dial completes.
    var canTakeRequest: Bool {
        switch state {
        case .dialing, .handshaking:
            return waiting.count < worker.pool.expectedStreams(origin)
        case .open:
            if let session {
                // Before the server's SETTINGS (or during a PING) requests wait here for the answer.
                if pinging || !session.settingsReceived { return waiting.count < worker.pool.expectedStreams(origin) }
                return session.hasCapacity
            }
            return http1?.isIdle == true
        case .closed:
            return false
        }
    }

    var activeStreams: Int { session?.activeStreams ?? (http1?.isIdle == false ? 1 : 0) }

    // MARK: requests (through UpstreamPlacement)

    /// Places the request here: now if open, else when the dial completes.
    func enqueue(_ user: UpstreamUser) {
        if state == .open, let session {
            if pinging || needsLivenessCheck {
                waiting.append(user)
                if !pinging { ping() }
                return
            }
            if !session.hasCapacity {
                waiting.append(user)  // until SETTINGS tell how many streams fit
                return
            }
        }
        if state == .open {
            start(user)
            return
        }
        waiting.append(user)
        if dialer == nil && fd < 0 { startDial() }  // UpstreamConnection+Dial.swift
    }

    /// A request that waited here and was not started is given up.
    func withdraw(_ user: UpstreamUser) {
        guard let index = waiting.firstIndex(where: { $0.isSame(as: user) }) else { return }
        waiting.remove(at: index)
        // Nobody left to serve: a dial in progress would only open a connection no one holds.
        if waiting.isEmpty && state != .open { close() }
    }

    private func start(_ user: UpstreamUser) {
        guard let request = user.pendingRequest(worker.profile) else { return }
        if let session {
            switch session.submit(user, head: request.head, method: request.forward.method,
                                  target: request.forward.target, page: request.forward.page, origin: origin,
                                  plan: request.plan, hasBody: user.hasRequestBody) {
            case .success(let stream):
                worker.loop.setDeadline(self, .max)  // no idle close while a stream runs
                user.upstreamStarted(.http2(session, stream: stream))
                sendFramesSoon()
            case .failure(let error):
                user.upstreamDidFail(error, retryable: false)
            }
        } else if let http1 {
            worker.loop.setDeadline(self, .max)
            http1.start(user, request)
            flush()
        }
    }

    /// An HTTP/2 connection that has been quiet for a while may be dead without our knowing.
    private var needsLivenessCheck: Bool {
        activeStreams == 0 && worker.loop.now &- lastActivity > worker.configuration.upstreamPingAfterMs
    }

    private func ping() {
        guard let session else { return }
        pinging = true
        session.ping()
        arm(.ping, worker.configuration.connectTimeoutMs)
        sendFrames()
    }

    /// The PING came back: the connection lives, and the requests that waited for it go on.
    func pingAcknowledged() {
        guard pinging else { return }
        pinging = false
        worker.loop.setDeadline(self, .max)
        dispatchWaiting()
    }

    private func arm(_ timer: Timer, _ milliseconds: UInt64) {
        worker.loop.setTimer(self, kind: timer.rawValue, at: worker.loop.now &+ milliseconds)
    }

    /// The socket is connected: TLS starts over it, or for plain http:// HTTP/1.1 right away.
    func connected() {
        guard origin.secure else {
            becomeOpen(.http1)
            return
        }
        do {
            tls = try TLSStream(context: worker.tls, fd: fd, host: origin.host, port: origin.port,
                                scope: route.sessionScope)
        } catch {
            fail(error)
            return
        }
        state = .handshaking
        arm(.tlsHandshake, worker.configuration.tlsTimeoutMs)
        handshake()
    }

    private func handshake() {
        guard let tls else { return }
        switch tls.handshake() {
        case .done:
            setupTimings.end(.tls)
            becomeOpen(tls.negotiatedHTTP2 ? .http2 : .http1)
        case .pending:
            return
        case .failed(let reason):
            fail(ProxyError(502, "upstream TLS handshake failed: \(reason) (\(origin.authority))"))
        }
    }

    private func becomeOpen(_ wire: WireProtocol) {
        reportSetup(wire)  // UpstreamConnection+Dial.swift
        state = .open
        wireProtocol = wire
        readable = true
        worker.loop.setDeadline(self, .max)
        worker.pool.opened(self)
        lastActivity = worker.loop.now
        if wire == .http2 {
            do {
                session = try HTTP2Session(connection: self, profile: worker.profile)
            } catch {
                fail(error as? ProxyError ?? ProxyError(502, "upstream HTTP/2 setup failed"))
                return
            }
        } else {
            http1 = HTTP1Client(connection: self)
        }
        dispatchWaiting()
        readLoop()
    }

    /// Starts the waiting requests that fit; the others go back to the pool for another connection.
    private func dispatchWaiting() {
        var ready = waiting
        waiting.removeAll()
        if let session {
            while let next = ready.first, session.hasCapacity {
                ready.removeFirst()
                start(next)
            }
            sendFramesSoon()
            if !session.settingsReceived {
                waiting = ready  // the server's limit is not known yet: wait for it here
                return
            }
        } else if !ready.isEmpty {
            start(ready.removeFirst())
        }
        for user in ready { user.upstreamRedirect() }
    }

    // MARK: events

    override func handleEvents(_ events: UInt32) {
        switch state {
        case .handshaking:
            handshake()
        case .open:
            if events & CEPOLL_OUT != 0 { flush() }
            if events & (CEPOLL_IN | CEPOLL_RDHUP | CEPOLL_HUP | CEPOLL_ERR) != 0 {
                readable = true
                if events & (CEPOLL_RDHUP | CEPOLL_HUP | CEPOLL_ERR) != 0 { peerHungUp = true }
                readLoop()
            }
        case .dialing, .closed:
            break
        }
    }

    override func handleTimer(_ kind: UInt8) {
        guard state != .closed, let timer = Timer(rawValue: kind) else { return }
        switch timer {
        case .tlsHandshake:
            let seconds = secondsText(worker.configuration.tlsTimeoutMs)
            let via = proxy == nil ? "" : " through \(proxyLabel)"
            fail(ProxyError(504, "upstream TLS handshake with \(origin.authority)\(via) did not complete within \(seconds) s (PROXYD_TLS_TIMEOUT)"))
        case .ping:
            close()  // no PING answer: the waiting requests go to a fresh connection
        case .idle:
            // Idle too long in the pool; HTTP/2 says goodbye with GOAWAY as browsers do.
            session?.goAway()
            sendFrames()
            close()
        }
    }

    override func handleDeferred() {
        guard state == .open else { return }
        if !waiting.isEmpty && !pinging { dispatchWaiting() }
        guard http1?.readPaused != true else { return }
        relayInput()
        readLoop()
    }

    /// HTTP/1.1 reading resumes after the caller's stack has unwound.
    func resumeSoon() { worker.loop.runSoon(self) }

    /// The HTTP/1.1 exchange is over: back to the pool when `reusable`, closed otherwise.
    func exchangeFinished(reusable: Bool) {
        if reusable {
            arm(.idle, worker.configuration.upstreamIdleCloseMs)
            worker.pool.checkIn(self)
        } else {
            close()
        }
    }

    // MARK: HTTP/2 glue

    /// The data path's frames (new requests, body, acknowledgements) leave at the end of the loop turn, so
    /// the turn's requests from every client share one TLS record and one send: one send per request was
    /// 14 % of a small GET's CPU (RESULTS.md, issue 13).
    func sendFramesSoon() { worker.loop.flushSoon(self) }

    override func handleFlush() { sendFrames() }

    /// Turns what nghttp2 queued into bytes on the wire, now.
    func sendFrames() {
        guard state == .open, let session else { return }
        if sendingFrames || receiving {
            framesPending = true  // the outer call (or relayInput, after nghttp2 returns) sends them
            return
        }
        sendingFrames = true
        defer { sendingFrames = false }
        repeat {
            framesPending = false
            guard session.produce(into: &output) else {
                fail(ProxyError(502, "upstream HTTP/2 error from \(origin.authority): \(session.protocolError ?? "")"))
                return
            }
            flush()
            guard state == .open else { return }
            session.notifyBodyTaken()
        } while framesPending && state == .open
        closeIfSessionEnded()
    }

    func sessionGoingAway() {
        worker.pool.retire(self)
    }

    func sessionCapacityChanged() {
        guard !pinging else { return }  // the PING's deadline stands
        // Called from nghttp2's callbacks, where no new request may be submitted: later.
        if !waiting.isEmpty { worker.loop.runSoon(self) }
        if activeStreams == 0 {
            arm(.idle, worker.configuration.upstreamIdleCloseMs)
        } else {
            worker.loop.setDeadline(self, .max)
        }
    }

    private func closeIfSessionEnded() {
        if let session, session.isFinished, state == .open { close() }
    }

    // MARK: moving bytes

    private func write(_ bytes: UnsafeRawBufferPointer) -> IOResult {
        let result = tls.map { $0.write(bytes) } ?? SocketIO.write(fd, bytes)
        if case .bytes(let count) = result { worker.metrics.count(.upstreamSentBytes, UInt64(count)) }
        return result
    }

    /// Writes what the protocol queued as far as the socket takes it.
    func flush() {
        guard state == .open else { return }
        let result: IOResult
        if let http1 {
            let queued = http1.output.readableCount
            result = http1.output.drain(through: write)
            http1.wrote(progress: http1.output.readableCount < queued)
        } else {
            result = output.drain(through: write)
        }
        if case .failed(let reason) = result {
            fail(ProxyError(502, "upstream write to \(origin.authority) failed: \(reason)"))
        }
    }

    /// Reads until the socket is empty (or the HTTP/1.1 user is full), handing each read to the protocol;
    /// the users write out what they got once per batch (`batchReads` reads at most, so a fast upstream
    /// cannot pile up output before the clients' sockets see any of it).
    private func readLoop() {
        var reads = 0
        while readable && http1?.readPaused != true && state == .open {
            let space = input.writableSpace(minimum: Self.readSize)
            let result = tls.map { $0.read(into: space) } ?? SocketIO.read(fd, into: space)
            switch result {
            case .bytes(let n):
                // A short read emptied the socket: the next arrival is a new edge.
                if !peerHungUp && (tls.map { $0.readDrained } ?? (n < space.count)) { readable = false }
                input.didWrite(n)
                worker.metrics.count(.upstreamReceivedBytes, UInt64(n))
                lastActivity = worker.loop.now
                relayInput()
                reads += 1
                if reads % Self.batchReads == 0 { finishBatch() }
            case .wouldBlock:
                readable = false
            case .end:
                endOfStream()
                return
            case .failed(let reason):
                readFailed(reason)
                return
            }
        }
        finishBatch()
        if input.isEmpty { input.releaseIfEmpty() }
    }

    private func finishBatch() {
        if let http1 { http1.finishBatch() } else { session?.finishBatch() }
    }

    /// Hands what `input` holds to the protocol, which relays it to the users.
    private func relayInput() {
        if let http1 {
            receiving = true
            http1.receive(&input)
            receiving = false
            if state == .closed { input.release() }  // closed by a callback: see close()
            return
        }
        guard let session else { return }
        receiving = true
        let ok = session.receive(input.readable)
        receiving = false
        input.consume(input.readableCount)
        guard ok else {
            fail(ProxyError(502, "upstream HTTP/2 error from \(origin.authority): \(session.protocolError ?? "")"))
            return
        }
        sendFramesSoon()  // SETTINGS and PING acknowledgements, WINDOW_UPDATEs
    }

    private func endOfStream() {
        guard let http1, !http1.isIdle || !waiting.isEmpty else {
            fail(ProxyError(502, "upstream \(origin.authority) closed the connection"))
            return
        }
        http1.endOfStream(inputEmpty: input.isEmpty)
    }

    private func readFailed(_ reason: String) {
        let error = ProxyError(502, "upstream read from \(origin.authority) failed: \(reason)")
        guard let http1, !http1.isIdle else {
            fail(error)
            return
        }
        fail(error, retryable: http1.reused && !http1.receivedResponseBytes)
    }

    // MARK: teardown

    /// Closes the connection and fails everything that depended on it.
    func fail(_ error: ProxyError, retryable: Bool = false) {
        finishBatch()  // what the users got before the failure goes out first, then they learn of it
        let user = http1?.detachUser()
        let queued = waiting
        waiting.removeAll()
        let session = self.session
        self.session = nil  // terminated below with this error, not close()'s generic one
        close()
        user?.upstreamDidFail(error, retryable: retryable)
        session?.terminate(error)
        for waiter in queued { waiter.upstreamDidFail(error, retryable: false) }
    }

    func close() {
        guard state != .closed else { return }
        if let dialer {
            self.dialer = nil
            dialer.cancel()
        }
        if state == .open { worker.metrics.gaugeDown(.upstreamConnectionsActive, series: WireLabel(wireProtocol).rawValue) }
        state = .closed
        worker.pool.remove(self)
        if fd >= 0 {
            worker.loop.deregister(self, fd: fd)
            tls?.shutdown()
            tls = nil
            Glibc.close(fd)
            fd = -1
        }
        worker.loop.setDeadline(self, .max)
        // Inside HTTP1Client.receive, which holds `input`, a user's callback may close the connection:
        // relayInput frees it once that returns.
        if !receiving { input.release() }
        output.release()
        _ = http1?.detachUser()
        http1?.output.release()
        if let session {
            self.session = nil
            session.terminate(ProxyError(502, "upstream connection to \(origin.authority) closed"))
        }
        let queued = waiting
        waiting.removeAll()
        for waiter in queued { waiter.upstreamRedirect() }
    }
}

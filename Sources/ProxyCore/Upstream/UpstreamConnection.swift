import CEpoll
import CTLSShim
import Glibc

/// One connection to an upstream origin: a `Dialer` brings the socket (directly or through the route's
/// proxy), this adds TLS, then HTTP/1.1 or HTTP/2 as ALPN decides. Requests that arrive while it dials
/// wait in `waiting`. Over HTTP/1.1 it carries one exchange at a time (see UpstreamConnection+HTTP1.swift);
/// over HTTP/2 many, one stream per `UpstreamUser` (HTTP2Session). Between exchanges it waits in the
/// worker's pool.
final class UpstreamConnection: EventHandler {
    enum State {
        case dialing, handshaking, open, closed
    }

    enum WireProtocol {
        case unknown, http1, http2
    }

    let origin: UpstreamOrigin
    let route: DialRoute
    unowned let worker: Worker
    private(set) var state = State.dialing
    private(set) var wireProtocol = WireProtocol.unknown
    private var dialer: Dialer?
    private var fd: Int32 = -1
    private var tls: OpaquePointer?
    private var setupTimings = SetupTimings()

    /// Bytes to send: HTTP/1.1 request bytes the client queued, or HTTP/2 frames.
    var output = IOBuffer()
    var input = IOBuffer()
    private var readable = false
    /// The peer's FIN or an error was reported: read to the end rather than trusting a short read,
    /// whose edge has already been consumed.
    private var peerHungUp = false
    var readPaused = false

    /// Clients that asked for this connection before it was open.
    private var waiting: [UpstreamUser] = []
    private(set) var session: HTTP2Session?
    private var sendingFrames = false
    /// A PING is out to check an idle HTTP/2 connection before the requests in `waiting` use it.
    private var pinging = false
    /// When the upstream last sent anything (loop milliseconds).
    private var lastActivity: UInt64 = 0
    private var framesPending = false
    /// Inside nghttp2_session_mem_recv, whose callbacks must not make nghttp2 send.
    private var receiving = false

    // HTTP/1.1 exchange state (UpstreamConnection+HTTP1.swift).
    var client: UpstreamUser?
    var reused = false
    var requestComplete = false
    var phase = HTTP1Phase.idle
    var requestMethod = "GET"
    var responseKeepAlive = false
    var headScanned = 0
    var receivedResponseBytes = false
    var chunked = ChunkedDecoder()

    private static let readSize = 16 * 1024
    /// How often a request is sent again after a stale pooled connection or a refused stream, when none
    /// of it reached the upstream.
    static let maxRetries = 3

    init(origin: UpstreamOrigin, route: DialRoute, worker: Worker) {
        self.origin = origin
        self.route = route
        self.worker = worker
    }

    var key: UpstreamPool.Key { UpstreamPool.Key(origin: origin, route: route) }

    private var proxy: UpstreamProxy? {
        if case .proxy(let index) = route { return worker.proxies.proxies[index] }
        return nil
    }

    /// "socks5 proxy host:port", or "upstream" for a direct route.
    private var proxyLabel: String { proxy?.label ?? "upstream" }

    /// An open HTTP/1.1 connection with no exchange.
    var isIdleHTTP1: Bool { state == .open && wireProtocol == .http1 && client == nil }

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
            return client == nil
        case .closed:
            return false
        }
    }

    var activeStreams: Int { session?.activeStreams ?? (client == nil ? 0 : 1) }

    // MARK: requests (called by ClientConnection and FlowExchange)

    /// Places the request here: now if open, else when the dial completes.
    func enqueue(_ client: UpstreamUser) {
        if state == .open, let session {
            if pinging || needsLivenessCheck {
                waiting.append(client)
                if !pinging { ping() }
                return
            }
            if !session.hasCapacity {
                waiting.append(client)  // until SETTINGS tell how many streams fit
                return
            }
        }
        if state == .open {
            start(client)
            return
        }
        waiting.append(client)
        if dialer == nil && fd < 0 { startDial() }
    }

    /// The client gives up its request (it left, or its request failed).
    func cancel(_ client: UpstreamUser) {
        if let index = waiting.firstIndex(where: { $0.isSame(as: client) }) {
            waiting.remove(at: index)
            // Nobody left to serve: a dial in progress would only open a connection no one holds.
            if waiting.isEmpty && state != .open { close() }
        } else if let session, client.http2Stream > 0 {
            session.cancel(client.http2Stream)
            sendFrames()
        } else if self.client?.isSame(as: client) == true {
            // An HTTP/1.1 request cannot be cancelled but by closing its connection.
            self.client = nil
            close()
        }
    }

    private func start(_ client: UpstreamUser) {
        if let session {
            guard let request = client.pendingRequest(worker.profile) else { return }
            switch session.submit(client, head: request.head, method: request.forward.method, target: request.forward.target,
                                  origin: origin, plan: request.plan, hasBody: client.hasRequestBody) {
            case .success(let stream):
                worker.loop.setDeadline(self, .max)  // no idle close while a stream runs
                client.upstreamStarted(http2Stream: stream, on: self)
                sendFrames()
            case .failure(let error):
                client.upstreamDidFail(error, retryable: false)
            }
        } else {
            startHTTP1(client)
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
        worker.loop.setTimeout(self, milliseconds: worker.configuration.connectTimeoutMs)
        sendFrames()
    }

    /// The PING came back: the connection lives, and the requests that waited for it go on.
    func pingAcknowledged() {
        guard pinging else { return }
        pinging = false
        worker.loop.setDeadline(self, .max)
        dispatchWaiting()
    }

    // MARK: dialing

    private func startDial() {
        // Captured strongly: while dialing, the dialer may be all that holds this connection. The cycle ends
        // when the dialer finishes or is cancelled, both of which drop the completion.
        let dialer = Dialer(worker: worker, host: origin.host, port: origin.port, proxy: proxy) { outcome in
            self.dialFinished(outcome)
        }
        self.dialer = dialer
        dialer.start()
    }

    private func dialFinished(_ outcome: Dialer.Outcome) {
        if let dialer { setupTimings = dialer.timings }
        dialer = nil  // close() cancels a dial it interrupts, so the connection is still dialing here
        switch outcome {
        case .connected(let fd, let leftover):
            if case .proxy(let index) = route {
                worker.proxies.markUp(index)
                Log.debug("upstream \(origin.authority) connected through \(proxyLabel)")
            }
            self.fd = fd
            do {
                try worker.loop.register(self, fd: fd)
            } catch {
                fail(ProxyError(502, "upstream connection to \(origin.authority): \(error)"))
                return
            }
            if !leftover.isEmpty {
                // Neither a TLS server nor an HTTP server speaks before we do: these bytes are the proxy's.
                fail(ProxyError(502, "\(proxyLabel) sent \(leftover.count) unexpected bytes after its handshake"))
                return
            }
            connected()
        case .failed(let error, let proxyFault):
            if proxyFault, case .proxy(let index) = route {
                worker.proxies.markDown(index, reason: error.message)
                if worker.proxies.anyUp {
                    Log.info("\(error.message); trying another upstream proxy")
                    close()  // the waiting requests go to the pool again, which picks a proxy that is up
                    return
                }
            }
            fail(error)
        }
    }

    private func connected() {
        guard origin.secure else {
            becomeOpen(.http1)
            return
        }
        var message = [CChar](repeating: 0, count: 256)
        guard let conn = tlsshim_conn_new(worker.tls.pointer, fd, origin.host, origin.port, route.sessionScope, &message,
                                          message.count) else {
            fail(ProxyError(502, "upstream TLS setup failed: \(String(cString: message))"))
            return
        }
        tls = conn
        state = .handshaking
        worker.loop.setTimeout(self, milliseconds: worker.configuration.tlsTimeoutMs)
        handshake()
    }

    private func handshake() {
        guard let tls else { return }
        switch tlsshim_handshake(tls) {
        case Int32(TLSSHIM_OK):
            setupTimings.end(.tls)
            var proto: UnsafePointer<UInt8>?
            let length = tlsshim_alpn(tls, &proto)
            let isH2 = length == 2 && proto![0] == UInt8(ascii: "h") && proto![1] == UInt8(ascii: "2")
            becomeOpen(isH2 ? .http2 : .http1)
        case Int32(TLSSHIM_WANT_READ), Int32(TLSSHIM_WANT_WRITE):
            return
        default:
            fail(ProxyError(502, "upstream TLS handshake failed: \(String(cString: tlsshim_conn_error(tls))) (\(origin.authority))"))
        }
    }

    private func becomeOpen(_ wire: WireProtocol) {
        Log.debug("upstream \(origin.authority) set up via \(proxy?.description ?? "direct") in ms: \(setupTimings.text)"
                  + (tls.map { tlsshim_session_reused($0) != 0 ? " tls-resumed=yes" : " tls-resumed=no" } ?? ""))
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
            sendFrames()
            if !session.settingsReceived {
                waiting = ready  // the server's limit is not known yet: wait for it here
                return
            }
        } else if !ready.isEmpty {
            start(ready.removeFirst())
        }
        for client in ready { client.upstreamRedirect() }
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

    override func handleTimeout() {
        switch state {
        case .dialing:
            break  // the dialer keeps its own deadlines
        case .handshaking:
            let seconds = secondsText(worker.configuration.tlsTimeoutMs)
            let via = proxy == nil ? "" : " through \(proxyLabel)"
            fail(ProxyError(504, "upstream TLS handshake with \(origin.authority)\(via) did not complete within \(seconds) s (PROXYD_TLS_TIMEOUT)"))
        case .open:
            if pinging {
                close()  // no PING answer: the waiting requests go to a fresh connection
            } else if activeStreams == 0 {
                // Idle too long in the pool; HTTP/2 says goodbye with GOAWAY as browsers do.
                session?.goAway()
                sendFrames()
                close()
            } else {
                let seconds = secondsText(worker.configuration.upstreamTimeoutMs)
                fail(ProxyError(504, "upstream timeout: no data from \(origin.authority) within \(seconds) s"))
            }
        case .closed:
            break
        }
    }

    override func handleDeferred() {
        guard state == .open else { return }
        if !waiting.isEmpty && !pinging { dispatchWaiting() }
        guard !readPaused else { return }
        relayInput()
        readLoop()
    }

    // MARK: HTTP/2 glue

    /// Turns what nghttp2 queued into bytes on the wire.
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
            worker.loop.setTimeout(self, milliseconds: worker.configuration.upstreamIdleCloseMs)
        } else {
            worker.loop.setDeadline(self, .max)
        }
    }

    private func closeIfSessionEnded() {
        if let session, session.isFinished, state == .open { close() }
    }

    // MARK: writing

    /// Writes queued bytes as far as the socket takes them.
    func flush() {
        guard state == .open else { return }
        let queued = output.readableCount
        while !output.isEmpty {
            let chunk = output.readable
            let n: Int
            if let tls {
                n = tlsshim_write(tls, chunk.baseAddress, chunk.count)
                if n == Int(TLSSHIM_WANT_WRITE) || n == Int(TLSSHIM_WANT_READ) { break }
                if n < 0 {
                    fail(ProxyError(502, "upstream write to \(origin.authority) failed: \(String(cString: tlsshim_conn_error(tls)))"))
                    return
                }
            } else {
                n = Glibc.write(fd, chunk.baseAddress, chunk.count)
                if n < 0 {
                    let err = cepoll_errno()
                    if err == EAGAIN || err == EINTR { break }
                    fail(ProxyError(502, "upstream write to \(origin.authority) failed: \(errnoText(err))"))
                    return
                }
            }
            output.consume(n)
        }
        if output.isEmpty { output.releaseIfEmpty() }
        if session == nil { http1DidFlush(progress: output.readableCount < queued) }
    }

    // MARK: reading

    private func readLoop() {
        while readable && !readPaused && state == .open {
            let space = input.writableSpace(minimum: Self.readSize)
            let n: Int
            if let tls {
                n = tlsshim_read(tls, space.baseAddress, space.count)
                if n == Int(TLSSHIM_WANT_READ) || n == Int(TLSSHIM_WANT_WRITE) {
                    readable = false
                    break
                }
                if n == Int(TLSSHIM_CLOSED) {
                    endOfStream()
                    return
                }
                if n < 0 {
                    readFailed(String(cString: tlsshim_conn_error(tls)))
                    return
                }
                if !peerHungUp && tlsshim_read_drained(tls) != 0 { readable = false }
            } else {
                n = Glibc.read(fd, space.baseAddress, space.count)
                if n == 0 {
                    endOfStream()
                    return
                }
                if n < 0 {
                    let err = cepoll_errno()
                    if err == EAGAIN || err == EINTR {
                        readable = false
                        break
                    }
                    readFailed(errnoText(err))
                    return
                }
                if !peerHungUp && n < space.count { readable = false }
            }
            input.didWrite(n)
            lastActivity = worker.loop.now
            relayInput()
        }
        if input.isEmpty { input.releaseIfEmpty() }
    }

    /// Hands what `input` holds to the protocol, which relays it to the clients.
    private func relayInput() {
        guard let session else {
            relayHTTP1Input()
            return
        }
        receiving = true
        let ok = session.receive(input.readable)
        receiving = false
        input.consume(input.readableCount)
        guard ok else {
            fail(ProxyError(502, "upstream HTTP/2 error from \(origin.authority): \(session.protocolError ?? "")"))
            return
        }
        sendFrames()  // SETTINGS and PING acknowledgements, WINDOW_UPDATEs
    }

    private func endOfStream() {
        if session != nil || client == nil && waiting.isEmpty {
            fail(ProxyError(502, "upstream \(origin.authority) closed the connection"))
            return
        }
        http1EndOfStream()
    }

    private func readFailed(_ reason: String) {
        if session != nil || client == nil {
            fail(ProxyError(502, "upstream read from \(origin.authority) failed: \(reason)"))
        } else {
            fail(ProxyError(502, "upstream read from \(origin.authority) failed: \(reason)"),
                 retryable: reused && !receivedResponseBytes)
        }
    }

    // MARK: teardown

    /// Closes the connection and fails everything that depended on it.
    func fail(_ error: ProxyError, retryable: Bool = false) {
        let client = self.client
        self.client = nil
        let queued = waiting
        waiting.removeAll()
        let session = self.session
        self.session = nil  // terminated below with this error, not close()'s generic one
        close()
        client?.upstreamDidFail(error, retryable: retryable)
        session?.terminate(error)
        for waiter in queued { waiter.upstreamDidFail(error, retryable: false) }
    }

    func close() {
        guard state != .closed else { return }
        if let dialer {
            self.dialer = nil
            dialer.cancel()
        }
        state = .closed
        worker.pool.remove(self)
        if fd >= 0 {
            worker.loop.deregister(self, fd: fd)
            if let tls {
                tlsshim_shutdown(tls)
                tlsshim_conn_free(tls)
                self.tls = nil
            }
            Glibc.close(fd)
            fd = -1
        }
        worker.loop.setDeadline(self, .max)
        input.release()
        output.release()
        client = nil
        if let session {
            self.session = nil
            session.terminate(ProxyError(502, "upstream connection to \(origin.authority) closed"))
        }
        let queued = waiting
        waiting.removeAll()
        for waiter in queued { waiter.upstreamRedirect() }
    }

    deinit {
        if let tls { tlsshim_conn_free(tls) }
    }

}

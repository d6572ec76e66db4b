import CEpoll
import CTLSShim
import Glibc

/// One connection to an upstream origin: dialing (DNS → TCP → TLS), then HTTP/1.1 or HTTP/2 as
/// ALPN decides. Requests that arrive while it dials wait in `waiting`. Over HTTP/1.1 it carries
/// one exchange at a time (see UpstreamConnection+HTTP1.swift); over HTTP/2 many, one stream per
/// `ClientConnection` (HTTP2Session). Between exchanges it waits in the worker's pool.
final class UpstreamConnection: EventHandler, ResolverClient {
    enum State {
        case resolving, connecting, handshaking, open, closed
    }

    enum WireProtocol {
        case unknown, http1, http2
    }

    let origin: UpstreamOrigin
    unowned let worker: Worker
    private(set) var state = State.resolving
    private(set) var wireProtocol = WireProtocol.unknown
    private var dialing = false
    private var fd: Int32 = -1
    private var tls: OpaquePointer?
    private var addresses: [SocketAddress] = []
    private var nextAddress = 0
    private var lastConnectError = ""

    /// Bytes to send: HTTP/1.1 request bytes the client queued, or HTTP/2 frames.
    var output = IOBuffer()
    var input = IOBuffer()
    private var readable = false
    /// The peer's FIN or an error was reported: read to the end rather than trusting a short read,
    /// whose edge has already been consumed.
    private var peerHungUp = false
    var readPaused = false

    /// Clients that asked for this connection before it was open.
    private var waiting: [ClientConnection] = []
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
    var client: ClientConnection?
    var reused = false
    var requestComplete = false
    var phase = HTTP1Phase.idle
    var requestMethod = "GET"
    var responseKeepAlive = false
    var headScanned = 0
    var receivedResponseBytes = false
    var chunked = ChunkedDecoder()

    private static let readSize = 16 * 1024

    init(origin: UpstreamOrigin, worker: Worker) {
        self.origin = origin
        self.worker = worker
    }

    /// An open HTTP/1.1 connection with no exchange.
    var isIdleHTTP1: Bool { state == .open && wireProtocol == .http1 && client == nil }

    /// Whether a new request can be placed here now or once the dial completes.
    var canTakeRequest: Bool {
        switch state {
        case .resolving, .connecting, .handshaking:
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

    // MARK: requests (called by ClientConnection)

    /// Places the client's request here: now if open, else when the dial completes.
    func enqueue(_ client: ClientConnection) {
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
        if !dialing { startDial() }
    }

    /// The client gives up its request (it left, or its request failed).
    func cancel(_ client: ClientConnection) {
        if let index = waiting.firstIndex(where: { $0 === client }) {
            waiting.remove(at: index)
        } else if let session, client.http2Stream > 0 {
            session.cancel(client.http2Stream)
            sendFrames()
        } else if self.client === client {
            // An HTTP/1.1 request cannot be cancelled but by closing its connection.
            self.client = nil
            close()
        }
    }

    private func start(_ client: ClientConnection) {
        if let session {
            guard let request = client.pendingRequest else { return }
            switch session.submit(client, head: request.head, method: request.forward.method,
                                  target: request.forward.target, origin: origin, hasBody: client.hasRequestBody) {
            case .success(let stream):
                worker.loop.setDeadline(self, .max)  // no idle close while a stream runs
                client.upstreamStarted(http2Stream: stream)
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
        dialing = true
        worker.loop.setTimeout(self, milliseconds: worker.configuration.connectTimeoutMs)
        switch worker.resolver.resolve(host: origin.host, port: origin.port, for: self) {
        case .some(let answer): didResolve(answer)
        case .none: break
        }
    }

    func didResolve(_ answer: Resolver.Answer) {
        guard state == .resolving else { return }
        switch answer {
        case .failure(let message):
            fail(ProxyError(502, "upstream DNS lookup failed for \(origin.host): \(message)"))
        case .timedOut:
            failDNSTimeout(afterMs: worker.configuration.dnsTimeoutMs)
        case .addresses(let list):
            addresses = list
            nextAddress = 0
            connectNext()
        }
    }

    private func failDNSTimeout(afterMs milliseconds: UInt64) {
        fail(ProxyError(504, "upstream DNS lookup for \(origin.host) timed out after \(secondsText(milliseconds)) s"))
    }

    private func connectNext() {
        while nextAddress < addresses.count {
            let address = addresses[nextAddress]
            nextAddress += 1
            var inProgress: Int32 = 0
            let newFD = address.withSockaddr { cepoll_connect($0, $1, &inProgress) }
            if newFD < 0 {
                lastConnectError = "upstream connect to \(address) failed: \(errnoText(cepoll_errno()))"
                continue
            }
            fd = newFD
            state = .connecting
            do {
                try worker.loop.register(self, fd: fd)
            } catch {
                fail(ProxyError(502, "upstream connect to \(address) failed: \(error)"))
                return
            }
            if inProgress == 0 { connected() }
            return
        }
        fail(ProxyError(502, lastConnectError.isEmpty ? "upstream connect to \(origin.authority) failed" : lastConnectError))
    }

    private func connectCompleted() {
        let error = cepoll_socket_error(fd)
        if error == EINPROGRESS || error == EALREADY { return }
        guard error == 0 else {
            lastConnectError = "upstream connect to \(addresses[nextAddress - 1]) failed: \(errnoText(error))"
            worker.loop.deregister(self, fd: fd)
            Glibc.close(fd)
            fd = -1
            state = .resolving
            connectNext()
            return
        }
        connected()
    }

    private func connected() {
        guard origin.secure else {
            becomeOpen(.http1)
            return
        }
        var message = [CChar](repeating: 0, count: 256)
        guard let conn = tlsshim_conn_new(worker.tls.pointer, fd, origin.host, &message, message.count) else {
            fail(ProxyError(502, "upstream TLS setup failed: \(String(cString: message))"))
            return
        }
        tls = conn
        state = .handshaking
        handshake()
    }

    private func handshake() {
        guard let tls else { return }
        switch tlsshim_handshake(tls) {
        case Int32(TLSSHIM_OK):
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
        case .connecting:
            connectCompleted()
        case .handshaking:
            handshake()
        case .open:
            if events & CEPOLL_OUT != 0 { flush() }
            if events & (CEPOLL_IN | CEPOLL_RDHUP | CEPOLL_HUP | CEPOLL_ERR) != 0 {
                readable = true
                if events & (CEPOLL_RDHUP | CEPOLL_HUP | CEPOLL_ERR) != 0 { peerHungUp = true }
                readLoop()
            }
        case .resolving, .closed:
            break
        }
    }

    override func handleTimeout() {
        switch state {
        case .resolving:
            // PROXYD_CONNECT_TIMEOUT, shorter than PROXYD_DNS_TIMEOUT, ran out during the lookup.
            worker.resolver.cancel(self, host: origin.host, port: origin.port)
            failDNSTimeout(afterMs: worker.configuration.connectTimeoutMs)
        case .connecting, .handshaking:
            let seconds = secondsText(worker.configuration.connectTimeoutMs)
            fail(ProxyError(504, "upstream connect to \(origin.authority) timed out after \(seconds) s"))
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
        if state == .resolving { worker.resolver.cancel(self, host: origin.host, port: origin.port) }
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

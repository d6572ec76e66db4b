import CEpoll
import CTLSShim
import Glibc

/// One HTTP/1.1 connection to an upstream origin: dialing (DNS → TCP → TLS), writing the request
/// that the inbound side queues in `output`, and parsing the response, whose head and body it hands
/// to the attached `ClientConnection` as they arrive. Between exchanges it waits in the worker's pool.
final class UpstreamConnection: EventHandler {
    enum State {
        case resolving, connecting, handshaking, open, closed
    }

    private enum ResponsePhase {
        /// No exchange: bytes from the upstream now are a protocol error.
        case idle
        case head
        case fixedBody(remaining: UInt64)
        case chunkedBody
        case bodyUntilClose
    }

    let origin: UpstreamOrigin
    private unowned let worker: Worker
    private(set) var state = State.resolving
    private var fd: Int32 = -1
    private var tls: OpaquePointer?
    private var addresses: [SocketAddress] = []
    private var nextAddress = 0
    private var lastConnectError = ""

    /// The request bytes the inbound side queued; written as the socket allows.
    var output = IOBuffer()
    private var input = IOBuffer()

    /// The exchange using this connection; nil while idle in the pool.
    private(set) var client: ClientConnection?
    /// Whether this connection already carried a complete exchange (a failure before any response
    /// byte on a reused connection is a stale keep-alive, safe to retry).
    private(set) var reused = false
    /// The inbound side has queued the whole request body.
    var requestComplete = false

    private var phase = ResponsePhase.idle
    private var requestMethod = "GET"
    private var responseKeepAlive = false
    private var headScanned = 0
    private var receivedResponseBytes = false
    private var chunked = ChunkedDecoder()
    private var readable = false
    /// The peer's FIN or an error was reported: read to the end rather than trusting a short read,
    /// whose edge has already been consumed.
    private var peerHungUp = false
    private var readPaused = false

    private static let readSize = 16 * 1024

    init(origin: UpstreamOrigin, worker: Worker) {
        self.origin = origin
        self.worker = worker
    }

    var isIdle: Bool { client == nil && state != .closed }

    // MARK: exchange lifecycle (called by ClientConnection)

    /// Attaches an exchange. The caller then queues the request head in `output` and calls `flush`.
    func begin(_ client: ClientConnection, method: String) {
        self.client = client
        requestMethod = method
        requestComplete = false
        phase = .head
        headScanned = 0
        receivedResponseBytes = false
        readPaused = false
        if state == .open {
            worker.loop.setTimeout(self, milliseconds: worker.configuration.upstreamTimeoutMs)
        } else if state == .resolving && addresses.isEmpty && fd < 0 {
            startDial()
        }
    }

    /// The client went away or failed its request: drop the exchange and the connection with it
    /// (an HTTP/1.1 request cannot be cancelled any other way).
    func abort() {
        client = nil
        close()
    }

    /// The client drained its output: reading may go on, once the caller's stack has unwound.
    func resumeReading() {
        guard readPaused else { return }
        readPaused = false
        if state == .open && client != nil {
            worker.loop.setTimeout(self, milliseconds: worker.configuration.upstreamTimeoutMs)
        }
        worker.loop.runSoon(self)
    }

    override func handleDeferred() {
        guard state == .open && !readPaused else { return }
        relayInput()
        readLoop()
    }

    // MARK: dialing

    private func startDial() {
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
        case .addresses(let list):
            addresses = list
            nextAddress = 0
            connectNext()
        }
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
            becomeOpen()
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
            becomeOpen()
        case Int32(TLSSHIM_WANT_READ), Int32(TLSSHIM_WANT_WRITE):
            return
        default:
            fail(ProxyError(502, "upstream TLS handshake failed: \(String(cString: tlsshim_conn_error(tls))) (\(origin.authority))"))
        }
    }

    private func becomeOpen() {
        state = .open
        readable = true
        worker.loop.setTimeout(self, milliseconds: worker.configuration.upstreamTimeoutMs)
        flush()
        readLoop()
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
        case .resolving, .connecting, .handshaking:
            worker.resolver.cancel(self, host: origin.host, port: origin.port)
            let seconds = Self.seconds(worker.configuration.connectTimeoutMs)
            fail(ProxyError(504, "upstream connect to \(origin.authority) timed out after \(seconds) s"))
        case .open:
            if client == nil {
                close()  // idle too long in the pool
            } else {
                let seconds = Self.seconds(worker.configuration.upstreamTimeoutMs)
                fail(ProxyError(504, "upstream timeout: no data from \(origin.authority) within \(seconds) s"))
            }
        case .closed:
            break
        }
    }

    // MARK: writing

    /// Writes queued request bytes as far as the socket takes them.
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
        if client != nil && output.readableCount < queued {
            // A long upload is progress too: the upstream timeout counts silence, not duration.
            worker.loop.setTimeout(self, milliseconds: worker.configuration.upstreamTimeoutMs)
        }
        if let client, output.readableCount < ClientConnection.lowWater {
            client.upstreamCanTakeBody()
        }
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
            if client != nil {
                worker.loop.setTimeout(self, milliseconds: worker.configuration.upstreamTimeoutMs)
            }
            relayInput()
        }
        if input.isEmpty { input.releaseIfEmpty() }
    }

    /// Relays what `input` holds and lets the client write it in one go.
    private func relayInput() {
        let receiver = client
        processInput()
        receiver?.upstreamBatchDone()
    }

    /// Parses and relays what `input` holds, until it needs more bytes or the client is full.
    private func processInput() {
        while !input.isEmpty && !readPaused, let client {
            switch phase {
            case .idle:
                close()  // bytes nobody asked for
                return
            case .head:
                receivedResponseBytes = true
                let result = worker.responseParser.parse(input.readable, requestMethod: requestMethod,
                                                         searchFrom: headScanned)
                switch result {
                case .incomplete(let scanned):
                    headScanned = scanned
                    return
                case .invalid(let reason):
                    fail(ProxyError(502, "upstream protocol error from \(origin.authority): \(reason)"))
                    return
                case .complete(let head, let length):
                    input.consume(length)
                    headScanned = 0
                    if head.status >= 100 && head.status < 200 {
                        // Interim answers (100 Continue, 103 Early Hints) are not relayed.
                        guard head.status != 101 else {
                            fail(ProxyError(502, "upstream protocol error from \(origin.authority): unexpected 101 Switching Protocols"))
                            return
                        }
                        continue
                    }
                    responseKeepAlive = head.keepAlive
                    switch head.framing {
                    case .none: phase = .fixedBody(remaining: 0)
                    case .contentLength(let n): phase = .fixedBody(remaining: n)
                    case .chunked:
                        phase = .chunkedBody
                        chunked = ChunkedDecoder()
                    case .untilClose: phase = .bodyUntilClose
                    }
                    client.upstreamDidReceiveHead(head)
                    guard stillServing(client) else { return }
                    if case .fixedBody(0) = phase {
                        finishExchange()
                        return
                    }
                }
            case .fixedBody(let remaining):
                let available = input.readable
                let count = Int(min(UInt64(available.count), remaining))
                let more = client.upstreamBody(UnsafeRawBufferPointer(rebasing: available[0..<count]))
                guard stillServing(client) else { return }
                input.consume(count)
                phase = .fixedBody(remaining: remaining - UInt64(count))
                if remaining == UInt64(count) {
                    finishExchange()
                    return
                }
                if !more { readPaused = true }
            case .chunkedBody:
                let available = input.readable
                let step = chunked.next(available)
                switch step.event {
                case .needMore:
                    input.consume(step.consumed)
                    return
                case .data(let range):
                    let more = client.upstreamBody(UnsafeRawBufferPointer(rebasing: available[range]))
                    guard stillServing(client) else { return }
                    input.consume(step.consumed)
                    if !more { readPaused = true }
                case .end:
                    input.consume(step.consumed)
                    finishExchange()
                    return
                case .invalid(let reason):
                    fail(ProxyError(502, "upstream protocol error from \(origin.authority): bad chunked body: \(reason)"))
                    return
                }
            case .bodyUntilClose:
                let more = client.upstreamBody(input.readable)
                guard stillServing(client) else { return }
                input.consume(input.readableCount)
                if !more { readPaused = true }
            }
        }
        if readPaused {
            // The client's slowness is not the upstream's: no upstream timeout while paused.
            worker.loop.setDeadline(self, .max)
        }
    }

    /// A client callback may end the exchange (its socket failed): then stop touching `input`.
    private func stillServing(_ client: ClientConnection) -> Bool {
        state == .open && self.client === client
    }

    private func endOfStream() {
        if case .bodyUntilClose = phase, client != nil {
            responseKeepAlive = false
            finishExchange()
            return
        }
        guard client != nil else {
            close()
            return
        }
        if case .head = phase, !receivedResponseBytes {
            fail(ProxyError(502, "upstream \(origin.authority) closed the connection before responding"),
                 retryable: reused && input.isEmpty)
        } else {
            fail(ProxyError(502, "upstream \(origin.authority) closed the connection mid-response"))
        }
    }

    private func readFailed(_ reason: String) {
        if client == nil {
            close()
        } else {
            fail(ProxyError(502, "upstream read from \(origin.authority) failed: \(reason)"),
                 retryable: reused && !receivedResponseBytes)
        }
    }

    private func finishExchange() {
        guard let client else { return }
        self.client = nil
        phase = .idle
        reused = true
        let reusable = responseKeepAlive && requestComplete && input.isEmpty && output.isEmpty
        if reusable {
            worker.loop.setTimeout(self, milliseconds: UpstreamPool.idleTimeoutMs)
            worker.pool.checkIn(self)
        } else {
            close()
        }
        client.upstreamDidFinish()
    }

    // MARK: teardown

    private func fail(_ error: ProxyError, retryable: Bool = false) {
        let client = self.client
        self.client = nil
        close()
        client?.upstreamDidFail(error, retryable: retryable)
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
    }

    deinit {
        if let tls { tlsshim_conn_free(tls) }
    }

    private static func seconds(_ ms: UInt64) -> String {
        ms % 1000 == 0 ? "\(ms / 1000)" : "\(Double(ms) / 1000)"
    }
}

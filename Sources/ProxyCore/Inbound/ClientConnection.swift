import CEpoll
import Glibc

/// One accepted client connection speaking HTTP/1.1: reads and parses request heads, answers
/// local routes itself, and for forwarded routes runs one exchange at a time with an
/// `UpstreamConnection`: the request body streams up as it arrives, the response streams back as
/// it arrives. Pipelined requests wait in `input` and are answered in order.
final class ClientConnection: EventHandler {
    /// Buffered bytes above which the producing side pauses, and below which it resumes.
    static let highWater = 256 * 1024
    static let lowWater = 64 * 1024
    /// Pipelined bytes read ahead while an exchange runs.
    private static let maxReadAhead = 64 * 1024
    /// How long a closing connection keeps reading (and discarding) so the client sees our answer.
    private static let lingerMs: UInt64 = 2_000
    private static let readSize = 16 * 1024

    private enum State {
        case awaitingHead
        case exchanging
        /// Writing the last response; the connection closes once it is out.
        case draining
        /// Our side is shut down; reading and discarding until the client closes.
        case lingering
        case closed
    }

    private enum RequestBody: Equatable {
        case complete
        case fixed(remaining: UInt64)
        case chunked
    }

    private unowned let worker: Worker
    private let fd: Int32
    private var input = IOBuffer()
    private var output = IOBuffer()
    private var readable = false
    /// The peer's FIN was reported: read to the end rather than trusting a short read.
    private var peerHungUp = false
    private var writable = true
    private var state = State.awaitingHead
    private var headScanned = 0
    private var headTimerArmed = false
    /// Pipelined requests wait because our answers to earlier ones are not read yet.
    private var waitingForOutputRoom = false

    // The exchange in progress.
    private var request: RequestHead?
    private var forward: Forward?
    private var upstream: UpstreamConnection?
    private var requestBody = RequestBody.complete
    private var chunkDecoder = ChunkedDecoder()
    private var requestBodyBytes: UInt64 = 0
    private var forwardingBody = false
    private var responseStarted = false
    private var responseFraming = ClientFraming.asIs
    private var keepAlive = true
    private var retried = false

    init(fd: Int32, worker: Worker) {
        self.fd = fd
        self.worker = worker
    }

    func start() throws {
        try worker.loop.register(self, fd: fd)
        worker.loop.setTimeout(self, milliseconds: worker.configuration.idleTimeoutMs)
    }

    // MARK: events

    override func handleEvents(_ events: UInt32) {
        if events & CEPOLL_ERR != 0 {
            abort()
            return
        }
        if events & CEPOLL_OUT != 0 {
            writable = true
            flushOutput()
        }
        if events & (CEPOLL_IN | CEPOLL_RDHUP | CEPOLL_HUP) != 0 {
            readable = true
            if events & (CEPOLL_RDHUP | CEPOLL_HUP) != 0 { peerHungUp = true }
            readLoop()
        }
    }

    override func handleDeferred() {
        guard state == .awaitingHead else { return }
        processInput()
        readLoop()
    }

    override func handleTimeout() {
        switch state {
        case .awaitingHead:
            if input.isEmpty {
                close()  // idle keep-alive connection
            } else {
                let seconds = worker.configuration.headerTimeoutMs / 1000
                respondLocal(ProxyError(408, "request head not received within \(seconds) s"), minorVersion: 1,
                             keepAlive: false)
            }
        case .exchanging, .draining:
            abort()  // the client stopped reading what we send
        case .lingering, .closed:
            close()
        }
    }

    // MARK: reading

    private var wantsInput: Bool {
        switch state {
        case .awaitingHead:
            return output.readableCount < Self.highWater
        case .exchanging:
            if requestBody != .complete {
                guard let upstream else { return false }
                return upstream.output.readableCount < Self.highWater
            }
            return input.readableCount < Self.maxReadAhead
        case .draining, .lingering:
            return true
        case .closed:
            return false
        }
    }

    private func readLoop() {
        while readable && wantsInput {
            let space = input.writableSpace(minimum: Self.readSize)
            let n = Glibc.read(fd, space.baseAddress, space.count)
            if n > 0 {
                if state == .draining || state == .lingering {
                    continue  // discarded: the space is reused by the next read
                }
                input.didWrite(n)
                // A short read emptied the socket; the next arrival is a new edge. Saves one
                // read(2) that would only return EAGAIN.
                if n < space.count && !peerHungUp { readable = false }
                processInput()
            } else if n == 0 {
                peerClosed()
                return
            } else {
                let err = cepoll_errno()
                if err == EAGAIN { readable = false } else if err != EINTR { abort(); return }
            }
        }
    }

    private func peerClosed() {
        switch state {
        case .awaitingHead, .lingering, .draining:
            close()
        case .exchanging:
            // The client left: an HTTP/1.1 upstream request can only be cancelled by closing it.
            abort()
        case .closed:
            break
        }
    }

    private func processInput() {
        while state == .awaitingHead {
            guard !input.isEmpty else {
                input.releaseIfEmpty()
                headTimerArmed = false
                worker.loop.setTimeout(self, milliseconds: worker.configuration.idleTimeoutMs)
                return
            }
            if output.readableCount >= Self.highWater {
                waitingForOutputRoom = true
                return
            }
            switch worker.requestParser.parse(input.readable, searchFrom: headScanned) {
            case .incomplete(let scanned):
                headScanned = scanned
                if !headTimerArmed {
                    headTimerArmed = true
                    worker.loop.setTimeout(self, milliseconds: worker.configuration.headerTimeoutMs)
                }
                return
            case .invalid(let error):
                respondLocal(error, minorVersion: 1, keepAlive: false)
                return
            case .complete(let head, let length):
                input.consume(length)
                headScanned = 0
                headTimerArmed = false
                worker.loop.setDeadline(self, .max)
                startRequest(head)
            }
        }
        if state == .exchanging { forwardRequestBody() }
    }

    // MARK: requests

    private func startRequest(_ head: RequestHead) {
        keepAlive = head.keepAlive
        let hasBody: Bool
        switch head.framing {
        case .none, .contentLength(0): hasBody = false
        default: hasBody = true
        }
        // A locally answered request's body is not read: the connection closes after the answer.
        let keepAfterLocal = keepAlive && !hasBody
        switch worker.router.route(method: head.method, target: head.target) {
        case .health:
            respondLocal(status: 200, json: "{\"status\":\"ok\"}", minorVersion: head.minorVersion,
                         keepAlive: keepAfterLocal)
        case .login(let kind):
            let name = kind == .chatgpt ? "/chatgpt/login" : "/platform/login"
            respondLocal(ProxyError(501, "\(name) is not implemented yet"), minorVersion: head.minorVersion,
                         keepAlive: keepAfterLocal)
        case .reject(let error):
            respondLocal(error, minorVersion: head.minorVersion, keepAlive: keepAfterLocal)
        case .forward(let forward):
            guard let token = head.value(of: "authorization"), !token.utf8.allSatisfy({ $0 == 32 || $0 == 9 }) else {
                respondLocal(ProxyError(401, "Missing accessToken."), minorVersion: head.minorVersion,
                             keepAlive: keepAfterLocal)
                return
            }
            let limit = worker.configuration.maxBodyBytes
            if case .contentLength(let length) = head.framing, length > limit {
                respondLocal(ProxyError(413, "request body of \(length) bytes is over the limit of \(limit) bytes"),
                             minorVersion: head.minorVersion, keepAlive: false)
                return
            }
            startExchange(head, forward)
        }
    }

    private func startExchange(_ head: RequestHead, _ forward: Forward) {
        request = head
        self.forward = forward
        requestBodyBytes = 0
        responseStarted = false
        retried = false
        switch head.framing {
        case .none, .untilClose, .contentLength(0): requestBody = .complete
        case .contentLength(let n): requestBody = .fixed(remaining: n)
        case .chunked:
            requestBody = .chunked
            chunkDecoder = ChunkedDecoder()
        }
        state = .exchanging
        if head.expectsContinue && requestBody != .complete {
            output.append("HTTP/1.1 100 Continue\r\n\r\n")  // the parser sets expectsContinue for HTTP/1.1 only
            flushOutput()
        }
        attachUpstream()
    }

    /// Queues the request head on a pooled or new upstream connection, then whatever body is here.
    private func attachUpstream() {
        guard state == .exchanging, let head = request, let forward else { return }
        let connection = worker.pool.acquire(forward.origin) ?? UpstreamConnection(origin: forward.origin, worker: worker)
        upstream = connection
        UpstreamRequestHead.write(head, method: forward.method, target: forward.target, origin: forward.origin,
                                  into: &connection.output)
        connection.begin(self, method: forward.method)
        guard upstream === connection else { return }  // the dial failed at once
        connection.requestComplete = requestBody == .complete
        forwardRequestBody()
        connection.flush()
    }

    /// Moves request body bytes from `input` to the upstream's output while it has room.
    private func forwardRequestBody() {
        guard state == .exchanging, let connection = upstream, !forwardingBody else { return }
        forwardingBody = true
        defer { forwardingBody = false }
        let limit = worker.configuration.maxBodyBytes
        loop: while !input.isEmpty && connection.output.readableCount < Self.highWater {
            switch requestBody {
            case .complete:
                break loop
            case .fixed(let remaining):
                let available = input.readable
                let count = Int(min(UInt64(available.count), remaining))
                connection.output.append(UnsafeRawBufferPointer(rebasing: available[0..<count]))
                input.consume(count)
                requestBodyBytes += UInt64(count)
                requestBody = remaining == UInt64(count) ? .complete : .fixed(remaining: remaining - UInt64(count))
            case .chunked:
                let available = input.readable
                let step = chunkDecoder.next(available)
                switch step.event {
                case .needMore:
                    input.consume(step.consumed)
                    break loop
                case .data(let range):
                    requestBodyBytes += UInt64(range.count)
                    if requestBodyBytes > limit {
                        failRequest(ProxyError(413, "request body is over the limit of \(limit) bytes"))
                        return
                    }
                    connection.output.append(String(range.count, radix: 16))
                    connection.output.append("\r\n")
                    connection.output.append(UnsafeRawBufferPointer(rebasing: available[range]))
                    connection.output.append("\r\n")
                    input.consume(step.consumed)
                case .end:
                    input.consume(step.consumed)
                    connection.output.append("0\r\n\r\n")
                    requestBody = .complete
                case .invalid(let reason):
                    failRequest(ProxyError(400, "invalid chunked request body: \(reason)"))
                    return
                }
            }
        }
        if requestBody == .complete { connection.requestComplete = true }
        connection.flush()
    }

    /// The client's request went wrong mid-body: the upstream exchange cannot finish.
    private func failRequest(_ error: ProxyError) {
        let connection = upstream
        upstream = nil
        connection?.abort()
        if responseStarted {
            abort()
        } else {
            respondLocal(error, minorVersion: request?.minorVersion ?? 1, keepAlive: false)
        }
    }

    // MARK: upstream callbacks

    func upstreamCanTakeBody() {
        guard state == .exchanging, requestBody != .complete, !forwardingBody else { return }
        forwardRequestBody()
        readLoop()
    }

    func upstreamDidReceiveHead(_ head: ResponseHead) {
        guard state == .exchanging, let request else { return }
        responseStarted = true
        // Unsent request body bytes would be misread as the next request: close after this answer.
        keepAlive = keepAlive && requestBody == .complete
        responseFraming = ClientResponseHead.write(head, clientMinorVersion: request.minorVersion,
                                                   keepAlive: keepAlive, into: &output)
        if responseFraming == .untilClose { keepAlive = false }
    }

    /// Queues body bytes; `upstreamBatchDone` writes them. Returns whether the upstream may keep
    /// reading (false: our output is full, wait for the drain).
    func upstreamBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard state == .exchanging else { return false }
        if responseFraming == .chunked {
            guard bytes.count > 0 else { return true }  // an empty chunk would end the body
            output.append(String(bytes.count, radix: 16))
            output.append("\r\n")
            output.append(bytes)
            output.append("\r\n")
        } else {
            output.append(bytes)
        }
        return output.readableCount < Self.highWater
    }

    /// The upstream handed over everything one read produced: one write(2) for head and body.
    func upstreamBatchDone() {
        flushOutput()
    }

    func upstreamDidFinish() {
        guard state == .exchanging else { return }
        upstream = nil
        if responseFraming == .chunked { output.append("0\r\n\r\n") }
        endExchange()
    }

    func upstreamDidFail(_ error: ProxyError, retryable: Bool) {
        guard state == .exchanging else { return }
        upstream = nil
        if retryable && !retried && requestBodyBytes == 0 && requestBody == .complete && !responseStarted {
            // A pooled connection the upstream had already closed: one fresh attempt.
            retried = true
            Log.debug("retrying on a new upstream connection: \(error.message)")
            attachUpstream()
            return
        }
        if let request { Log.info("\(error.status) \(request.method) \(pathOnly(request.target)): \(error.message)") }
        if responseStarted {
            abort()  // the client sees a truncated response
            return
        }
        respondLocal(error, minorVersion: request?.minorVersion ?? 1, keepAlive: keepAlive && requestBody == .complete)
        if state == .awaitingHead { worker.loop.runSoon(self) }  // pipelined requests go on
    }

    private func endExchange() {
        request = nil
        forward = nil
        if keepAlive && state == .exchanging {
            state = .awaitingHead
            flushOutput()
            worker.loop.runSoon(self)
        } else {
            state = .draining
            flushOutput()
        }
    }

    // MARK: local answers

    private func respondLocal(_ error: ProxyError, minorVersion: Int, keepAlive: Bool) {
        respondLocal(status: error.status, json: LocalResponse.errorBody(error.message),
                     minorVersion: minorVersion, keepAlive: keepAlive)
    }

    private func respondLocal(status: Int, json: String, minorVersion: Int, keepAlive: Bool) {
        LocalResponse.write(status: status, json: json, minorVersion: minorVersion, keepAlive: keepAlive,
                            into: &output)
        request = nil
        forward = nil
        state = keepAlive ? .awaitingHead : .draining
        flushOutput()
    }

    // MARK: writing

    private func flushOutput() {
        guard state != .closed else { return }
        while writable && !output.isEmpty {
            let chunk = output.readable
            let n = Glibc.write(fd, chunk.baseAddress, chunk.count)
            if n >= 0 {
                output.consume(n)
            } else {
                let err = cepoll_errno()
                if err == EAGAIN {
                    writable = false
                } else if err != EINTR {
                    abort()
                    return
                }
            }
        }
        switch state {
        case .draining where output.isEmpty:
            // Half-close and read out what the client still sends, so it sees our answer, not a reset.
            Glibc.shutdown(fd, Int32(SHUT_WR))
            state = .lingering
            input.release()
            output.release()
            worker.loop.setTimeout(self, milliseconds: Self.lingerMs)
            readLoop()
        case .exchanging, .draining:
            if output.isEmpty {
                output.releaseIfEmpty()
                worker.loop.setDeadline(self, .max)
            } else if !writable {
                worker.loop.setTimeout(self, milliseconds: worker.configuration.idleTimeoutMs)
            }
            if state == .exchanging && output.readableCount < Self.lowWater { upstream?.resumeReading() }
        case .awaitingHead:
            if waitingForOutputRoom && output.readableCount < Self.lowWater {
                waitingForOutputRoom = false
                worker.loop.runSoon(self)
            }
        case .lingering, .closed:
            break
        }
    }

    // MARK: teardown

    private func abort() {
        let connection = upstream
        upstream = nil
        connection?.abort()
        close()
    }

    private func close() {
        guard state != .closed else { return }
        state = .closed
        if let connection = upstream {
            upstream = nil
            connection.abort()
        }
        worker.loop.deregister(self, fd: fd)
        Glibc.close(fd)
        input.release()
        output.release()
        worker.loop.setDeadline(self, .max)
    }

    private func pathOnly(_ target: String) -> Substring {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    }
}

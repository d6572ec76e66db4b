import CEpoll
import Glibc

/// One accepted client connection speaking HTTP/1.1: the socket, both buffers, request heads, local
/// answers and the timers. Forwarded requests run as its `ClientExchange`, login routes as a
/// `ClientLogin`, one at a time; pipelined requests wait in `input` and are answered in order. Its
/// decisions (phase, keep-alive, which timer) are `HTTP1ServerState`'s.
final class ClientConnection: EventHandler {
    private static let readSize = 16 * 1024
    /// Twice what browsers send: the largest field array kept for the next request.
    private static let spareFieldsCapacity = 32

    /// Unchecked: a worker outlives everything on its loop, and a checked reference costs a retain and
    /// release at each use on the data path.
    private unowned(unsafe) let worker: Worker
    private let fd: Int32
    /// Written by the read loop only; consumed by the head parser, the exchange (body) and the login.
    var input: IOBuffer
    /// Written by local answers and the exchange (100 Continue, the response); drained by `writeOutput`.
    var output: IOBuffer
    private var readable = false
    /// The peer's FIN was reported: read to the end rather than trusting a short read.
    private var peerHungUp = false
    private(set) var writable = true
    private var server: HTTP1ServerState
    let timeouts: ClientTimeouts
    private var headScanned = 0
    private var log: AccessLogLine
    /// The request being answered, for the access log and local answers' HTTP version.
    private var request: RequestHead?
    /// The last answered request's field array, emptied, for the next head's fields.
    private var spareFields: [HTTPField] = []
    /// The last request's Authorization value, so the next request's same token costs no new String.
    private var credential = ""
    /// The status of the answer to `request`, for the access log and the metrics.
    private(set) var responseStatus = 0
    private var meter = RequestMeter()
    /// Made on the first forwarded request and reused for the rest.
    private var exchangeStorage: ClientExchange?
    private(set) var login: ClientLogin?
    /// This connection's request counts in the worker's `streamsInFlight`; given back once, at its answer's
    /// end or the close.
    private var holdsStream = false
    /// With a keys file: the check of each request's key, holding its place in the key's streams.
    private var keyGate = KeyGate()

    init(fd: Int32, worker: Worker) {
        self.fd = fd
        self.worker = worker
        input = IOBuffer(pool: worker.buffers)
        output = IOBuffer(pool: worker.buffers)
        server = HTTP1ServerState(now: worker.loop.now)
        let settings = worker.configuration
        timeouts = ClientTimeouts(idle: settings.idleTimeoutMs, head: settings.headerTimeoutMs,
                                  login: settings.loginTimeoutMs, upstream: settings.upstreamTimeoutMs)
        log = AccessLogLine(enabled: worker.configuration.accessLog, fd: fd)
    }

    func start() throws {
        try worker.loop.register(self, fd: fd)
        worker.adopt(self)
        updateTimer()
    }

    private var exchange: ClientExchange {
        if let exchangeStorage { return exchangeStorage }
        let made = ClientExchange(connection: self, worker: worker)
        exchangeStorage = made
        return made
    }

    var keepAlive: Bool { server.keepAlive }

    /// The current answer ends the connection.
    func mustClose() {
        server.mustClose()
    }

    /// The worker is draining (SIGTERM): what is under way finishes and the connection closes after
    /// it; a connection waiting for its next request closes now.
    func drain() {
        if server.drain(inputEmpty: input.isEmpty) == .close { close() }
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
        updateTimer()
    }

    override func handleDeferred() {
        switch server.phase {
        case .awaitingHead:
            processInput()
        case .exchanging:
            exchange.forwardBody()
            // A decoded body continued in a later loop turn, so one bomb cannot hold the loop.
            if exchange.decodingPending { flushOutput() }
        case .login:
            login?.collect()
        case .closingAfterWrite, .lingering, .closed:
            return
        }
        readLoop()
        updateTimer()
    }

    override func handleTimer(_ kind: UInt8) {
        guard let timer = ClientTimer(rawValue: kind) else { return }
        switch server.timeout(timer) {
        case .close:
            close()
        case .abort:
            abort()  // the client stopped reading what we send, or sending the body we wait for
        case .requestTimeout:
            let seconds = secondsText(worker.configuration.headerTimeoutMs)
            answer(ProxyError(408, "request head not received within \(seconds) s"), keepAlive: false)
        case .upstreamTimeout:
            exchange.upstreamTimedOut()
        case .loginTimeout:
            // A fired timer must lead out of its phase, or it would be derived again at once.
            if let login { login.expire() } else { abort() }
        case .none, .processInput, .shutdownAndLinger:
            break
        }
        updateTimer()
    }

    /// Arms the one timer that applies now; called at the end of every event, here and in the exchange.
    func updateTimer() {
        let exchangeTimer = server.phase == .exchanging ? exchange.timer : nil
        let timer = server.timer(inputEmpty: input.isEmpty, outputBlocked: !writable && !output.isEmpty,
                                 exchange: exchangeTimer, limits: timeouts)
        if let timer {
            worker.loop.setTimer(self, kind: timer.kind.rawValue, at: timer.at)
        } else {
            worker.loop.setDeadline(self, .max)
        }
    }

    // MARK: reading

    private var wantsInput: Bool {
        switch server.phase {
        case .awaitingHead: return output.readableCount < Backpressure.highWater
        case .exchanging: return exchange.wantsInput(buffered: input.readableCount)
        case .login: return login?.wantsBody == true || input.readableCount < ExchangeState.maxReadAhead
        case .closingAfterWrite, .lingering: return true
        case .closed: return false
        }
    }

    private func readLoop() {
        while readable && wantsInput {
            let space = input.writableSpace(minimum: Self.readSize)
            switch SocketIO.read(fd, into: space) {
            case .bytes(let n):
                worker.metrics.count(.clientReceivedBytes, UInt64(n))
                if server.phase == .closingAfterWrite || server.phase == .lingering {
                    continue  // discarded: the space is reused by the next read
                }
                input.didWrite(n)
                // A short read emptied the socket; the next arrival is a new edge. Saves one
                // read(2) that would only return EAGAIN.
                if n < space.count && !peerHungUp { readable = false }
                processInput()
            case .wouldBlock:
                readable = false
            case .end:
                if server.peerClosed() == .close { close() } else { abort() }
                return
            case .failed:
                abort()
                return
            }
        }
    }

    private func processInput() {
        while server.phase == .awaitingHead {
            guard !input.isEmpty else {
                input.releaseIfEmpty()
                return
            }
            // Pipelined requests wait while our answers to earlier ones are not read; the drain resumes them.
            if output.readableCount >= Backpressure.highWater { return }
            meter.headBegan(now: worker.loop.nowNanos)
            let strings = worker.fieldStrings
            let parsed = strings.lendingCredential(&credential) {
                worker.requestParser.parse(input.readable, searchFrom: headScanned, reusing: &spareFields,
                                           strings: strings)
            }
            switch parsed {
            case .incomplete(let scanned):
                headScanned = scanned
                server.headIncomplete(now: worker.loop.now)
                return
            case .invalid(let error):
                answer(error, keepAlive: false)
                return
            case .complete(let head, let length):
                input.consume(length)
                headScanned = 0
                log.requestStarted(now: worker.loop.now)
                startRequest(head)
            }
        }
        if server.phase == .exchanging { exchange.forwardBody() }
        if server.phase == .login { login?.collect() }
    }

    // MARK: requests

    private func startRequest(_ head: RequestHead) {
        var head = head
        request = head
        responseStatus = 0
        server.headReceived(keepAlive: head.keepAlive)  // the state knows whether the worker drains
        let hasBody: Bool
        switch head.framing {
        case .none, .contentLength(0): hasBody = false
        default: hasBody = true
        }
        // A locally answered request's body is not read: the connection closes after the answer.
        let keepAfterLocal = !hasBody
        let route = worker.router.route(method: head.method, target: head.target)
        let group = RouteGroup(route, target: head.target)
        meter.routed(group)
        if let keys = worker.configuration.keys, group != .health {
            let verdict = keyGate.check(&head, group: group.keyRoutes, address: clientAddress, worker: worker, table: keys)
            request = head  // without the key, which never goes upstream
            switch verdict {
            case .admitted: break
            case .unauthorized(let message):
                return answer(status: 401, json: LocalResponse.errorBody(message), keepAlive: keepAfterLocal) {
                    $0.append("WWW-Authenticate: Bearer realm=\"proxyd\"\r\n")
                }
            case .forbidden(let message):
                return answer(status: 403, json: LocalResponse.errorBody(message), keepAlive: keepAfterLocal)
            case .limited(let refusal):
                return answer(status: refusal.status, json: LocalResponse.errorBody(refusal.kind.message),
                              keepAlive: keepAfterLocal) { LimitHeaders.write(refusal, into: &$0) }
            }
        }
        switch route {
        case .health, .reject: break
        case .login, .forward, .conversation, .imitate:
            guard admitStream() else {
                return answer(ProxyError(503, "proxyd is at its limit of requests under way; retry shortly",
                                         retryAfter: "1"), keepAlive: keepAfterLocal)
            }
        }
        switch route {
        case .health:
            answer(status: 200, json: "{\"status\":\"ok\"}", keepAlive: keepAfterLocal)
        case .login(let kind):
            if let refusal = ClientLogin.refusal(head) {
                answer(refusal, keepAlive: false)
                return
            }
            server.loginStarted(now: worker.loop.now)
            let login = ClientLogin(kind, head, connection: self, worker: worker)
            self.login = login
            login.collect()
        case .reject(let error):
            answer(error, keepAlive: keepAfterLocal)
        case .forward(let forward):
            startExchange(head, forward, keepAfterLocal: keepAfterLocal)
        case .conversation(let forward):
            // A client that brings its own requirements token does its own handshake.
            let ownTokens = head.value(of: ChatGPTSite.requirementsTokenHeader) != nil
            startExchange(head, forward, keepAfterLocal: keepAfterLocal,
                          turn: ownTokens ? nil : worker.configuration.sentinel.generation)
        case .imitate(let call, let forward):
            startImitation(call, head, forward, keepAfterLocal: keepAfterLocal)
        }
    }

    /// The current request's key's limits left, for its response head; nil without keys or limits.
    var limitStatus: LimitStatus? { keyGate.status }

    /// The client's address, for the keys' CIDRs and failed checks; read once per connection, when first asked.
    private lazy var clientAddress: ClientAddress? = SocketAddress.peer(of: fd).flatMap { peer in
        peer.withSockaddr { address, _ in ClientAddress(address.assumingMemoryBound(to: sockaddr.self)) }
    }

    /// Takes one of the worker's `PROXYD_MAX_STREAMS` for this request; false past the bound, where the request
    /// is shed before its body is read and nothing already under way is touched.
    private func admitStream() -> Bool {
        guard worker.streamsInFlight < worker.bounds.streams else { return false }
        worker.streamsInFlight += 1
        worker.metrics.count(.streamsInFlight)
        holdsStream = true
        return true
    }

    private func releaseStream() {
        keyGate.release()
        guard holdsStream else { return }
        holdsStream = false
        worker.streamsInFlight -= 1
        worker.metrics.gaugeDown(.streamsInFlight)
    }

    /// An /imitate/v1 call; a completion is a turn, which needs the handshake.
    private func startImitation(_ call: ImitateCall, _ head: RequestHead, _ forward: Forward, keepAfterLocal: Bool) {
        guard call == .models else {
            guard let generation = worker.configuration.sentinel.generation else {
                return answer(ProxyError(503, "/imitate/v1/chat/completions needs the sentinel handshake, and "
                                         + "PROXYD_CHATGPT_SENTINEL is off"), keepAlive: keepAfterLocal)
            }
            return startExchange(head, forward, keepAfterLocal: keepAfterLocal, turn: generation, imitate: call)
        }
        startExchange(head, forward, keepAfterLocal: keepAfterLocal, imitate: call)
    }

    private func startExchange(_ head: RequestHead, _ forward: Forward, keepAfterLocal: Bool,
                               turn: SentinelGeneration? = nil, imitate: ImitateCall? = nil) {
        guard let token = head.value(of: "authorization"), !token.utf8.allSatisfy({ $0 == 32 || $0 == 9 }) else {
            answer(ProxyError(401, "Missing accessToken."), keepAlive: keepAfterLocal)
            return
        }
        // A turn's body is read whole before its handshake: bounded tighter than a relayed one.
        let limit = turn == nil ? worker.configuration.maxBodyBytes : ConversationBody.limit(worker.configuration)
        if case .contentLength(let length) = head.framing, length > limit {
            answer(ProxyError(413, "request body of \(length) bytes is over the limit of \(limit) bytes"),
                   keepAlive: false)
            return
        }
        server.exchangeStarted()
        exchange.start(head, forward, turn: turn, imitate: imitate)
    }

    // MARK: answers

    /// proxyd's own error answer to the current request; on /imitate/v1 in OpenAI's shape, which its clients read.
    func answer(_ error: ProxyError, keepAlive: Bool = true) {
        if request?.target.hasPrefix("/imitate/") == true { return answer(ImitateError(error), keepAlive: keepAlive) }
        answer(status: error.status, json: LocalResponse.errorBody(error.message), retryAfter: error.retryAfter,
               keepAlive: keepAlive)
    }

    func answer(_ error: ImitateError, keepAlive: Bool = true) {
        answer(status: error.status, json: error.json, retryAfter: error.retryAfter, keepAlive: keepAlive)
    }

    func answer(status: Int, json: String, retryAfter: String? = nil, keepAlive: Bool = true,
                fields: ((inout IOBuffer) -> Void)? = nil) {
        LocalResponse.write(status: status, json: json, minorVersion: request?.minorVersion ?? 1,
                            keepAlive: keepAlive && server.keepAlive, retryAfter: retryAfter, fields: fields,
                            into: &output)
        responseStarted(status)
        login = nil
        finishAnswer(keepAlive: keepAlive)
    }

    /// The response head to the current request, `status`, is in the output.
    func responseStarted(_ status: Int) {
        responseStatus = status
        meter.responseStarted(now: worker.loop.nowNanos, worker.metrics)
    }

    /// The exchange's response is complete in the output.
    func exchangeEnded() {
        finishAnswer(keepAlive: true)
    }

    private func finishAnswer(keepAlive: Bool) {
        releaseStream()
        log.log(request, status: responseStatus, now: worker.loop.now)
        meter.ended(status: responseStatus, now: worker.loop.nowNanos, worker.metrics)
        // The exchange let go of its copy before ending, so emptying the only reference allocates nothing. An
        // outsized head's array is not worth holding while the connection waits, perhaps long, for the next.
        if var answered = request.take(), answered.fields.capacity <= Self.spareFieldsCapacity {
            swap(&answered.fields, &spareFields)
            spareFields.removeAll(keepingCapacity: true)
        }
        if server.answered(keepAlive: keepAlive, now: worker.loop.now) == .processInput {
            worker.loop.runSoon(self)  // pipelined requests go on
        }
        flushOutput()
        updateTimer()  // a login's answer comes from the upstream side's events, not this connection's
    }

    // MARK: writing

    func flushOutput() {
        guard server.phase != .closed else { return }
        writeOutput()
        if server.phase == .exchanging { exchange.outputDrained() }
        guard output.isEmpty else { return }
        output.releaseIfEmpty()
        if server.outputDrained(now: worker.loop.now) == .shutdownAndLinger {
            // Half-close and read out what the client still sends, so it sees our answer, not a reset.
            Glibc.shutdown(fd, Int32(SHUT_WR))
            input.release()
            readLoop()
        } else if server.phase == .awaitingHead && (readable || !input.isEmpty) {
            worker.loop.runSoon(self)  // parsing or reading stopped while our answers waited to be read
        }
    }

    func writeOutput() {
        guard writable && !output.isEmpty else { return }
        let queued = output.readableCount
        let result = output.drain { SocketIO.write(fd, $0) }
        worker.metrics.count(.clientSentBytes, UInt64(queued - output.readableCount))
        // The client stalls from its last progress or from when the socket stopped taking bytes.
        if output.readableCount < queued || result == .wouldBlock { server.wroteProgress(now: worker.loop.now) }
        switch result {
        case .bytes, .end: break
        case .wouldBlock: writable = false
        case .failed: abort()
        }
    }

    // MARK: teardown

    /// Gives up what is under way and closes: the client gets no complete answer.
    func abort() {
        if server.phase == .exchanging || server.phase == .login {
            // The client left, or its response was cut: the request still gets its line.
            log.log(request, status: responseStatus, now: worker.loop.now, outcome: " cut")
            meter.ended(status: responseStatus, now: worker.loop.nowNanos, worker.metrics)
        }
        close()
    }

    private func close() {
        guard server.phase != .closed else { return }
        server.closed()
        releaseStream()
        exchangeStorage?.abandon()
        login?.abandon()
        login = nil
        worker.loop.deregister(self, fd: fd)
        Glibc.close(fd)
        input.release()
        output.release()
        worker.loop.setDeadline(self, .max)
        worker.release(self)
    }
}

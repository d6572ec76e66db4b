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
        /// A login route: reading its body (`loginBodyRemaining` > 0), then waiting for its answer.
        case login
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

    // PROXYD_ACCESS_LOG: who asked, when the request head arrived, what it was answered.
    private var peer = ""
    private var requestStarted: UInt64 = 0
    private var responseStatus = 0

    // The login in progress.
    private var loginKind = LoginKind.chatgpt
    private var loginBody: [UInt8] = []
    private var loginBodyRemaining = 0
    private var loginCall: LoginCall?

    // The exchange in progress.
    private var request: RequestHead?
    private var forward: Forward?
    private var upstream: UpstreamConnection?
    private var requestBody = RequestBody.complete
    private var chunkDecoder = ChunkedDecoder()
    /// Body bytes decoded from the client, counted against the body limit.
    private var requestBodyBytes: UInt64 = 0
    /// Body bytes handed to the upstream side (its output, or taken by nghttp2): after the first,
    /// a failed request cannot be sent again.
    private var requestBodyBytesSent: UInt64 = 0
    private var responseStarted = false
    /// The exchange's HTTP/2 stream, 0 when it runs over HTTP/1.1 (or is not placed yet).
    private(set) var http2Stream: Int32 = 0
    /// The upstream side has started the request (`upstreamStarted`). Until then the body stays in
    /// `input`: a connection we wait on (dialing, or open but waiting for SETTINGS or a PING answer)
    /// must not receive body bytes, which would land in its byte stream outside any frame.
    private var requestOnWire = false
    /// HTTP/2: decoded request body waiting for nghttp2 to send it under the server's window.
    private var requestBodyQueue = IOBuffer()
    /// HTTP/2: response bytes taken but not acknowledged to the server until our output drains.
    private var unacknowledged = 0
    /// Request body forwarding stopped because the upstream side was full.
    private var waitingForUpstreamRoom = false
    private var responseFraming = ClientFraming.asIs
    /// HTTP/2 trailer fields, for the last chunk of a chunked response (other framings have no place for them).
    private var trailers: [HTTPField] = []
    /// Set when the response's content coding is removed on the way (`ContentHandling.decode`).
    private var decoder: ContentDecoder?
    /// Coded response bytes taken from the upstream that the client had no room for yet; the
    /// upstream stays paused (HTTP/2: unacknowledged) until they are decoded.
    private var codedInput = IOBuffer()
    /// The upstream has finished while coded bytes still wait here.
    private var upstreamEnded = false
    private var keepAlive = true
    /// Attempts after the first: stale keep-alive connections and refused streams are retried.
    private var retries = 0
    /// Decoding rounds (each up to `highWater` of output) per flush before the loop serves others.
    private static let decodeRoundsPerTurn = 4

    init(fd: Int32, worker: Worker) {
        self.fd = fd
        self.worker = worker
    }

    func start() throws {
        try worker.loop.register(self, fd: fd)
        worker.loop.setTimeout(self, milliseconds: worker.configuration.idleTimeoutMs)
        worker.adopt(self)
        if worker.configuration.accessLog { peer = Self.peerText(fd) }
    }

    private static func peerText(_ fd: Int32) -> String {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) == 0 }
        }
        guard named else { return "-" }
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress($0, length: length).description }
        }
    }

    /// The access log's line for the request in `request`, once its answer is complete (or given up).
    private func logAccess(_ outcome: String = "") {
        guard worker.configuration.accessLog else { return }
        let line = request.map { "\"\($0.method) \(pathOnly($0.target))\"" } ?? "\"-\""
        Log.info("access \(peer) \(line) \(responseStatus) \(worker.loop.now &- requestStarted) ms\(outcome)")
    }

    /// The worker is draining (SIGTERM): what is under way finishes and the connection closes after
    /// it; a connection waiting for its next request closes now.
    func drain() {
        switch state {
        case .awaitingHead where input.isEmpty:
            close()
        case .awaitingHead, .exchanging, .login:
            keepAlive = false
        case .draining, .lingering, .closed:
            break
        }
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
        switch state {
        case .awaitingHead:
            processInput()
        case .exchanging:
            forwardRequestBody()
            // A decoded body continued in a later loop turn, so one bomb cannot hold the loop.
            if decodingPending { flushOutput() }
        case .login:
            collectLoginBody()
        case .draining, .lingering, .closed:
            return
        }
        readLoop()
    }

    override func handleTimeout() {
        switch state {
        case .awaitingHead:
            if input.isEmpty {
                close()  // idle keep-alive connection
            } else {
                let seconds = secondsText(worker.configuration.headerTimeoutMs)
                respondLocal(ProxyError(408, "request head not received within \(seconds) s"), minorVersion: 1,
                             keepAlive: false)
            }
        case .exchanging where http2Stream > 0 && output.isEmpty:
            // The stream's own upstream timeout: one silent stream must not hold the connection.
            let seconds = secondsText(worker.configuration.upstreamTimeoutMs)
            let authority = forward?.origin.authority ?? "upstream"
            releaseUpstream()
            upstreamDidFail(ProxyError(504, "upstream timeout: no data from \(authority) within \(seconds) s"),
                            retryable: false)
        case .login:
            if let loginCall {
                loginCall.expire()  // answers with its 504
            } else {
                let seconds = secondsText(worker.configuration.loginTimeoutMs)
                respondLocal(ProxyError(408, "login request body not received within \(seconds) s"),
                             minorVersion: 1, keepAlive: false)
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
            if requestBody != .complete && requestOnWire { return upstreamHasRoom }
            return input.readableCount < Self.maxReadAhead
        case .login:
            return loginBodyRemaining > 0 || input.readableCount < Self.maxReadAhead
        case .draining, .lingering:
            return true
        case .closed:
            return false
        }
    }

    private func readLoop() {
        defer {
            if readable && state == .exchanging && requestBody != .complete && !wantsInput {
                waitingForUpstreamRoom = true
            }
        }
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
        case .exchanging, .login:
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
                requestStarted = worker.loop.now
                startRequest(head)
            }
        }
        if state == .exchanging { forwardRequestBody() }
        if state == .login { collectLoginBody() }
    }

    // MARK: requests

    private func startRequest(_ head: RequestHead) {
        request = head
        responseStatus = 0
        keepAlive = head.keepAlive && !worker.draining
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
            startLogin(kind, head)
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
        self.forward = forward
        requestBodyBytes = 0
        requestBodyBytesSent = 0
        responseStarted = false
        trailers.removeAll()
        retries = 0
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

    // MARK: logins

    /// A login's body is small JSON: read whole (Content-Length only), then the flow runs and its one
    /// answer is written like a local one.
    private func startLogin(_ kind: LoginKind, _ head: RequestHead) {
        let length: UInt64
        switch head.framing {
        case .none, .untilClose: length = 0
        case .contentLength(let n): length = n
        case .chunked:
            respondLocal(ProxyError(411, "login request body needs a Content-Length"), minorVersion: head.minorVersion,
                         keepAlive: false)
            return
        }
        guard length <= UInt64(LoginRequest.maxBodyBytes) else {
            respondLocal(ProxyError(400, "login request body is larger than \(LoginRequest.maxBodyBytes) bytes"),
                         minorVersion: head.minorVersion, keepAlive: false)
            return
        }
        state = .login
        loginKind = kind
        loginBody = []
        loginBodyRemaining = Int(length)
        if head.expectsContinue && length > 0 {
            output.append("HTTP/1.1 100 Continue\r\n\r\n")
            flushOutput()
        }
        worker.loop.setTimeout(self, milliseconds: worker.configuration.loginTimeoutMs)
        collectLoginBody()
    }

    private func collectLoginBody() {
        guard state == .login, loginCall == nil else { return }
        if loginBodyRemaining > 0 {
            let available = input.readable
            let count = min(available.count, loginBodyRemaining)
            loginBody.append(contentsOf: UnsafeRawBufferPointer(rebasing: available[0..<count]))
            input.consume(count)
            loginBodyRemaining -= count
            guard loginBodyRemaining == 0 else { return }
        }
        let call = LoginCall(loginKind, body: loginBody, worker: worker) { [unowned self] result in
            self.finishLogin(result)
        }
        loginBody = []
        // The call may have answered already (a bad body, no free slot).
        if state == .login { loginCall = call }
    }

    private func finishLogin(_ result: Result<FlowResponse, ProxyError>) {
        guard state == .login else { return }
        loginCall = nil
        worker.loop.setDeadline(self, .max)
        let minorVersion = request?.minorVersion ?? 1
        let route = loginKind == .chatgpt ? "/chatgpt/login" : "/platform/login"
        switch result {
        case .success(let response):
            Log.info("\(response.status) POST \(route)")
            respondLocal(status: response.status, json: String(decoding: response.body, as: UTF8.self),
                         minorVersion: minorVersion, keepAlive: keepAlive)
        case .failure(let error) where error.status < 500:
            // The answer to a user's own credentials (an alert text, a rate limit detail) may quote them.
            Log.info("\(error.status) POST \(route)")
            respondLocal(error, minorVersion: minorVersion, keepAlive: keepAlive)
        case .failure(let error):
            Log.info("\(error.status) POST \(route): \(error.message)")
            respondLocal(error, minorVersion: minorVersion, keepAlive: keepAlive)
        }
        if state == .awaitingHead { worker.loop.runSoon(self) }  // pipelined requests go on
    }

    /// Places the request on a shared, pooled or new upstream connection.
    private func attachUpstream() {
        guard state == .exchanging, let forward else { return }
        let route = worker.proxies.route(stickyKey: self.request?.fields.first { $0.known == .authorization }?.value)
        let connection = worker.pool.connection(for: forward.origin, route: route, worker: worker)
        upstream = connection
        http2Stream = 0
        requestOnWire = false
        connection.enqueue(.client(self))
    }

    /// Moves request body bytes from `input` towards the upstream while it has room: over HTTP/1.1
    /// into the connection's output in the request's own framing, over HTTP/2 into our queue.
    private func forwardRequestBody() {
        guard state == .exchanging, let connection = upstream, requestOnWire else { return }
        let limit = worker.configuration.maxBodyBytes
        let chunkedUpstream = http2Stream == 0 && requestBody == .chunked
        loop: while !input.isEmpty && upstreamHasRoom {
            switch requestBody {
            case .complete:
                break loop
            case .fixed(let remaining):
                let available = input.readable
                let count = Int(min(UInt64(available.count), remaining))
                sendBody(UnsafeRawBufferPointer(rebasing: available[0..<count]), chunked: false)
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
                    sendBody(UnsafeRawBufferPointer(rebasing: available[range]), chunked: chunkedUpstream)
                    input.consume(step.consumed)
                case .end:
                    input.consume(step.consumed)
                    if chunkedUpstream { connection.output.append("0\r\n\r\n") }
                    requestBody = .complete
                case .invalid(let reason):
                    failRequest(ProxyError(400, "invalid chunked request body: \(reason)"))
                    return
                }
            }
        }
        if input.isEmpty {
            input.releaseIfEmpty()
        } else if requestBody != .complete {
            waitingForUpstreamRoom = true
        }
        if let session = connection.session {
            session.bodyAvailable(http2Stream)
            connection.sendFrames()
        } else {
            if requestBody == .complete { connection.requestComplete = true }
            connection.flush()
        }
    }

    private var upstreamHasRoom: Bool {
        guard let upstream, requestOnWire else { return false }
        let queued = http2Stream > 0 ? requestBodyQueue.readableCount : upstream.output.readableCount
        return queued < Self.highWater
    }

    private func sendBody(_ bytes: UnsafeRawBufferPointer, chunked: Bool) {
        guard let connection = upstream else { return }
        if http2Stream > 0 {
            requestBodyQueue.append(bytes)
            return
        }
        if chunked {
            connection.output.appendHex(bytes.count)
            connection.output.append("\r\n")
        }
        connection.output.append(bytes)
        if chunked { connection.output.append("\r\n") }
        requestBodyBytesSent += UInt64(bytes.count)
    }

    /// The client's request went wrong mid-body: the upstream exchange cannot finish.
    private func failRequest(_ error: ProxyError) {
        releaseUpstream()
        if responseStarted {
            abort()
        } else {
            respondLocal(error, minorVersion: request?.minorVersion ?? 1, keepAlive: false)
        }
    }

    /// Gives up the exchange's place upstream (resets its stream, or closes an HTTP/1.1 connection).
    private func releaseUpstream() {
        acknowledgeRest()
        let connection = upstream
        upstream = nil
        connection?.cancel(.client(self))
        http2Stream = 0
        requestOnWire = false
        requestBodyQueue.release()
    }

    /// HTTP/2: response bytes still unacknowledged when the stream ends count against the connection's
    /// window, shared by every stream on it; acknowledged now, or that window is lost for good.
    private func acknowledgeRest() {
        if unacknowledged > 0, http2Stream > 0, let connection = upstream, let session = connection.session {
            session.consume(http2Stream, unacknowledged)
            connection.sendFrames()
        }
        unacknowledged = 0
    }

    // MARK: what the upstream side asks

    var pendingRequest: (head: RequestHead, forward: Forward)? {
        guard state == .exchanging, let request, let forward else { return nil }
        return (request, forward)
    }

    var requestMethod: String { forward?.method ?? "GET" }

    var hasRequestBody: Bool { requestBody != .complete || requestBodyBytes > 0 }

    var hasResponseHead: Bool { responseStarted }

    /// Nothing of this request reached the upstream but its head: it can go again elsewhere.
    var isSafeToRetry: Bool { !responseStarted && requestBodyBytesSent == 0 }

    /// HTTP/2: nghttp2 pulls request body bytes for a DATA frame.
    func takeRequestBody(into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, ended: Bool) {
        let available = requestBodyQueue.readable
        let count = min(available.count, buffer.count)
        if count > 0 {
            buffer.baseAddress!.copyMemory(from: available.baseAddress!, byteCount: count)
            requestBodyQueue.consume(count)
            requestBodyBytesSent += UInt64(count)
        }
        if requestBodyQueue.isEmpty { requestBodyQueue.releaseIfEmpty() }
        return (count, requestBody == .complete && requestBodyQueue.isEmpty)
    }

    /// HTTP/2: response bytes we hold in `output`, to acknowledge once they are written.
    func deferAcknowledgement(_ count: Int) {
        unacknowledged += count
    }

    // MARK: upstream callbacks

    /// The request is on its way: as an HTTP/2 stream, or (0) on an HTTP/1.1 connection.
    func upstreamStarted(http2Stream stream: Int32) {
        guard state == .exchanging, let connection = upstream, let request else { return }
        http2Stream = stream
        requestOnWire = true
        if stream > 0 {
            worker.loop.setTimeout(self, milliseconds: worker.configuration.upstreamTimeoutMs)
        } else if !requestBodyQueue.isEmpty {
            // A retry moved from HTTP/2 to HTTP/1.1: what was queued for nghttp2 goes first.
            let chunked = request.framing == .chunked
            sendBody(requestBodyQueue.readable, chunked: chunked)
            requestBodyQueue.release()
            if chunked && requestBody == .complete { connection.output.append("0\r\n\r\n") }
        }
        forwardRequestBody()
        // Reading may have stopped while the upstream was not there to take the body.
        if requestBody != .complete { worker.loop.runSoon(self) }
    }

    /// The connection we waited on cannot take the request after all: find another.
    func upstreamRedirect() {
        guard state == .exchanging else { return }
        upstream = nil
        requestOnWire = false
        attachUpstream()
    }

    /// The upstream took request body bytes. Continued after the caller's stack unwinds, since the
    /// caller is often our own forwardRequestBody flushing the upstream.
    func upstreamCanTakeBody() {
        guard state == .exchanging, waitingForUpstreamRoom else { return }
        waitingForUpstreamRoom = false
        worker.loop.runSoon(self)
    }

    func upstreamDidReceiveHead(_ head: ResponseHead) {
        guard state == .exchanging, let request else { return }
        let hasBody = head.framing != .none
        let handling = ContentHandling.decide(response: head.fields, request: request.fields,
                                              decodes: worker.profile.fetch != nil, hasBody: hasBody)
        switch handling {
        case .passThrough:
            break
        case .decode(let coding):
            guard hasBody else { break }
            guard let made = ContentDecoder(coding) else {
                refuseResponse(ProxyError(502, "cannot allocate a \(coding) decoder for the upstream's response"))
                return
            }
            decoder = made
        case .refuse(let message):
            refuseResponse(ProxyError(502, message))
            return
        }
        responseStarted = true
        responseStatus = head.status
        if http2Stream > 0 { worker.loop.setTimeout(self, milliseconds: worker.configuration.upstreamTimeoutMs) }
        // Unsent request body bytes would be misread as the next request: close after this answer.
        keepAlive = keepAlive && requestBody == .complete
        responseFraming = ClientResponseHead.write(head, clientMinorVersion: request.minorVersion, keepAlive: keepAlive,
                                                   decoded: handling != .passThrough, into: &output)
        if responseFraming == .untilClose { keepAlive = false }
    }

    /// A response the client cannot read (a coding it did not accept and proxyd cannot remove):
    /// answered with an error instead, before any byte of it goes out.
    private func refuseResponse(_ error: ProxyError) {
        releaseUpstream()
        respondWithError(error)
    }

    /// Queues body bytes; `upstreamBatchDone` writes them. Returns whether the upstream may keep
    /// reading (false: our output is full, wait for the drain).
    func upstreamBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard state == .exchanging else { return false }
        if http2Stream > 0 { worker.loop.setTimeout(self, milliseconds: worker.configuration.upstreamTimeoutMs) }
        if decoder != nil { return decodeBody(bytes) }
        if responseFraming == .chunked {
            guard bytes.count > 0 else { return true }  // an empty chunk would end the body
            output.appendHex(bytes.count)
            output.append("\r\n")
            output.append(bytes)
            output.append("\r\n")
        } else {
            output.append(bytes)
        }
        return output.readableCount < Self.highWater
    }

    /// Decodes what fits below `highWater` and keeps the rest of the coded bytes (in order, after
    /// any already kept). Returns whether the upstream may send more.
    private func decodeBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if codedInput.isEmpty, let decoder {
            switch DecodedBody.write(decoder, bytes, chunked: responseFraming == .chunked, into: &output,
                                     limit: Self.highWater) {
            case .failure(let error):
                decodingFailed(error)
                // The client is gone: the upstream side counts the bytes as taken (HTTP/2 returns
                // their window) and, seeing the exchange released, reads no further.
                return true
            case .success(let consumed):
                if consumed < bytes.count { codedInput.append(UnsafeRawBufferPointer(rebasing: bytes[consumed...])) }
            }
        } else {
            codedInput.append(bytes)
            decodeCodedInput()
            guard state == .exchanging else { return true }
        }
        return !decodingPending && output.readableCount < Self.highWater
    }

    /// Decoded output the client has not had room for: kept coded bytes, or output the decoder holds.
    private var decodingPending: Bool {
        guard let decoder else { return false }
        return !codedInput.isEmpty || decoder.hasOutput
    }

    /// Decodes kept coded bytes into `output`, up to `highWater`.
    private func decodeCodedInput() {
        guard let decoder else { return }
        switch DecodedBody.write(decoder, codedInput.readable, chunked: responseFraming == .chunked, into: &output,
                                 limit: Self.highWater) {
        case .failure(let error):
            decodingFailed(error)
        case .success(let consumed):
            codedInput.consume(consumed)
            codedInput.releaseIfEmpty()
            // Room was there and input too, yet nothing moved: waiting would never end.
            if consumed == 0 && output.readableCount < Self.highWater && !codedInput.isEmpty && !decoder.hasOutput {
                decodingFailed(ContentDecodingError(message: "\(decoder.coding) decoder takes no more input"))
            }
        }
    }

    /// Corrupt coded bytes after the head went out: the client can only be told by a truncated
    /// response (no last chunk, the connection closes).
    private func decodingFailed(_ error: ContentDecodingError) {
        if let request {
            Log.warning("\(request.method) \(pathOnly(request.target)): cannot decode the upstream's response body "
                        + "(\(error.message)); the response to the client is cut short")
        }
        abort()
    }

    /// The upstream handed over everything one read produced: one write(2) for head and body.
    func upstreamBatchDone() {
        flushOutput()
    }

    func upstreamDidFinish() {
        guard state == .exchanging else { return }
        acknowledgeRest()
        upstream = nil
        http2Stream = 0
        requestOnWire = false
        worker.loop.setDeadline(self, .max)
        if decoder != nil {
            // The body ends once the client has taken what is still coded here: flushOutput ends it
            // (now, when nothing waits) and watches the client meanwhile.
            upstreamEnded = true
            flushOutput()
            return
        }
        if responseFraming == .chunked { writeLastChunk() }
        endExchange()
    }

    /// Trailers of a body relayed as it came: one proxyd decoded no longer matches what they describe.
    func upstreamTrailers(_ fields: [HTTPField]) {
        guard state == .exchanging, responseFraming == .chunked, decoder == nil else { return }
        // Framing and routing fields may not come as trailers (RFC 9110 6.5.1).
        trailers = fields.filter { field in
            if let known = field.known, known.isHopByHop || known == .contentLength || known == .host { return false }
            return !field.hasName("content-encoding") && !field.hasName("content-type")
        }
    }

    private func writeLastChunk() {
        output.append("0\r\n")
        for field in trailers { output.appendFieldLine(field.name, field.value) }
        trailers.removeAll()
        output.append("\r\n")
    }

    /// Everything is decoded: the coded stream must have ended too, or the upstream's body was cut.
    private func finishDecodedBody() {
        guard let decoder else { return }
        guard decoder.isComplete else {
            decodingFailed(ContentDecodingError(message: "\(decoder.coding) stream ends early"))
            return
        }
        dropDecoder()
        if responseFraming == .chunked { writeLastChunk() }
        endExchange()
    }

    private func dropDecoder() {
        decoder = nil
        codedInput.release()
        upstreamEnded = false
    }

    func upstreamDidFail(_ error: ProxyError, retryable: Bool) {
        guard state == .exchanging else { return }
        acknowledgeRest()
        upstream = nil
        http2Stream = 0
        requestOnWire = false
        if retryable && retries < UpstreamConnection.maxRetries && isSafeToRetry {
            // A stale pooled connection, or a stream the server refused unprocessed: one more attempt.
            retries += 1
            Log.debug("retrying on a new upstream connection: \(error.message)")
            attachUpstream()
            return
        }
        if responseStarted {
            if let request { Log.info("\(error.status) \(request.method) \(pathOnly(request.target)): \(error.message)") }
            abort()  // the client sees a truncated response
            return
        }
        respondWithError(error)
    }

    /// Answers the exchange with proxyd's own error, before any response byte went out.
    private func respondWithError(_ error: ProxyError) {
        if let request { Log.info("\(error.status) \(request.method) \(pathOnly(request.target)): \(error.message)") }
        respondLocal(error, minorVersion: request?.minorVersion ?? 1, keepAlive: keepAlive && requestBody == .complete)
        if state == .awaitingHead { worker.loop.runSoon(self) }  // pipelined requests go on
    }

    private func endExchange() {
        logAccess()
        request = nil
        forward = nil
        dropDecoder()
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
        responseStatus = status
        logAccess()
        request = nil
        forward = nil
        state = keepAlive ? .awaitingHead : .draining
        flushOutput()
    }

    // MARK: writing

    private func flushOutput() {
        guard state != .closed else { return }
        writeOutput()
        // A decoded body: the client took output, so decode more of what is kept, a bounded amount
        // per call (the rest in a later loop turn) so that other connections get their turn.
        var rounds = 0
        while state == .exchanging && writable && decodingPending {
            guard rounds < Self.decodeRoundsPerTurn else {
                worker.loop.runSoon(self)
                break
            }
            rounds += 1
            decodeCodedInput()
            writeOutput()
        }
        if state == .exchanging && upstreamEnded && !decodingPending {
            finishDecodedBody()  // ends the exchange, which flushes again
            return
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
            if state == .exchanging && output.readableCount < Self.lowWater { resumeUpstream() }
        case .awaitingHead:
            if waitingForOutputRoom && output.readableCount < Self.lowWater {
                waitingForOutputRoom = false
                worker.loop.runSoon(self)
            }
        case .login, .lingering, .closed:
            break
        }
    }

    private func writeOutput() {
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
    }

    /// Our output drained: the upstream may send more (HTTP/1.1: read on; HTTP/2: acknowledge) once
    /// nothing coded waits here.
    private func resumeUpstream() {
        guard let connection = upstream, !decodingPending else { return }
        if let session = connection.session, http2Stream > 0 {
            guard unacknowledged > 0 else { return }
            session.consume(http2Stream, unacknowledged)
            unacknowledged = 0
            connection.sendFrames()
        } else {
            connection.resumeReading()
        }
    }

    // MARK: teardown

    private func abort() {
        releaseUpstream()
        close()
    }

    private func close() {
        guard state != .closed else { return }
        // The client left, or its response was cut: the request still gets its line.
        if state == .exchanging || state == .login { logAccess(" cut") }
        state = .closed
        releaseUpstream()
        loginCall?.abandon()
        loginCall = nil
        worker.loop.deregister(self, fd: fd)
        Glibc.close(fd)
        input.release()
        output.release()
        dropDecoder()
        worker.loop.setDeadline(self, .max)
        worker.release(self)
    }

    private func pathOnly(_ target: String) -> Substring {
        target.prefix { $0 != "?" }
    }
}

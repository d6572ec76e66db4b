/// One forwarded request of a client connection and its response: the body streams up as the client
/// sends it, the response streams back as the upstream sends it, decoded on the way when the client
/// did not accept its coding, with backpressure both ways and retries on a fresh connection. The
/// connection owns the socket and both buffers; this writes into its output and takes body bytes from
/// its input. One per connection, reused for each of its requests, so a request costs no allocation.
final class ClientExchange {
    // Internal, not private, where its turn and /imitate/v1 part (ClientExchange+Turn.swift) uses them.
    unowned let connection: ClientConnection
    unowned(unsafe) let worker: Worker  // a worker outlives everything on its loop (see ClientConnection)
    var state = ExchangeState()
    var placement = UpstreamPlacement()
    /// The request under way; nil between exchanges.
    var request: RequestHead?
    var forward: Forward?
    private var chunkDecoder = ChunkedDecoder()
    /// Request body the upstream has not taken: for nghttp2 to pull under the window, or a turn's prepared body.
    var bodyQueue: IOBuffer
    /// HTTP/2: response bytes taken but not acknowledged to the server until our output drains.
    private var unacknowledged = 0
    private var responseFraming = ClientFraming.asIs
    /// HTTP/2 trailer fields, for the last chunk of a chunked response (other framings have no place for them).
    private var trailers: [HTTPField] = []
    /// Set when the response's content coding is removed; while coded bytes wait, the upstream stays paused.
    private var coded: CodedBody?
    /// A conversation turn's part of the request, if it is one; an /imitate/v1 call's, which gets the answer.
    var turn = ClientTurn()
    var imitation: ClientImitation?
    /// Decoding rounds (each up to `highWater` of output) per flush before the loop serves others.
    private static let decodeRoundsPerTurn = 4

    init(connection: ClientConnection, worker: Worker) {
        self.connection = connection
        self.worker = worker
        bodyQueue = IOBuffer(pool: worker.buffers)
    }

    var isActive: Bool { request != nil }

    private var me: UpstreamUser { .client(self) }
    var now: UInt64 { worker.loop.now }

    // MARK: starting

    /// Starts relaying a request; with `turn`, a conversation turn whose handshake of that generation
    /// runs first, once the body is read; with `imitate`, an /imitate/v1 call.
    func start(_ head: RequestHead, _ forward: Forward, turn generation: SentinelGeneration? = nil,
               imitate: ImitateCall? = nil) {
        request = head
        self.forward = forward
        imitation = imitate.map { _ in ClientImitation(connection: connection, minorVersion: head.minorVersion) }
        let sendContinue = state.start(head.framing, expectsContinue: head.expectsContinue, now: now)
        chunkDecoder = ChunkedDecoder()
        trailers.removeAll()
        placement.reset()
        turn = ClientTurn(generation)
        if sendContinue {
            LocalResponse.writeContinue(into: &connection.output)
            connection.flushOutput()
        }
        if imitate == .models { request = siteCall(head, path: ChatGPTSite.modelsPath) }
        guard generation != nil else { return attach() }
        state.startPreparing()
        collectTurnBody()
    }

    /// Places the request on a shared, pooled or new upstream connection.
    func attach() {
        guard let forward else { return }
        let token = request?.fields.first { $0.known == .authorization }?.value
        placement.attach(origin: forward.origin, route: turn.route ?? worker.proxies.route(stickyKey: token),
                         worker: worker).enqueue(me)
    }

    // MARK: the request body

    /// Whether to read more from the client now.
    func wantsInput(buffered: Int) -> Bool {
        state.wantsClientInput(buffered: buffered, upstreamHasRoom: upstreamHasRoom)
    }

    private var upstreamHasRoom: Bool {
        placement.request?.hasRoom(queued: bodyQueue.readableCount) ?? false
    }

    /// Body bytes handed to the upstream and not taken yet.
    private var upstreamHoldsBody: Bool {
        (placement.request?.heldBody(queued: bodyQueue.readableCount) ?? 0) > 0
    }

    /// Moves request body bytes from the connection's input towards the upstream while it has room.
    func forwardBody() {
        guard isActive else { return }
        if state.preparing { return collectTurnBody() }
        guard let upstream = placement.request else { return }
        let wasComplete = state.body == .complete
        guard readBody(limit: worker.configuration.maxBodyBytes, while: { upstreamHasRoom },
                       into: { send($0, to: upstream) }) else { return }
        if !wasComplete && state.body == .complete { upstream.endBody() }
        upstream.push()
    }

    /// Moves body bytes from the connection's input to `sink` while `hasRoom`, decoding a chunked body.
    /// False when the request failed (over `limit`, bad chunking) and has been answered.
    func readBody(limit: UInt64, while hasRoom: () -> Bool,
                          into sink: (UnsafeRawBufferPointer) -> Void) -> Bool {
        loop: while !connection.input.isEmpty && hasRoom() {
            switch state.body {
            case .complete:
                break loop
            case .fixed:
                let available = connection.input.readable
                let count = state.fixedBodyTake(available.count)
                sink(UnsafeRawBufferPointer(rebasing: available[0..<count]))
                connection.input.consume(count)
                _ = state.bodyReceived(count, limit: limit, now: now)
            case .chunked:
                let available = connection.input.readable
                let step = chunkDecoder.next(available)
                switch step.event {
                case .needMore:
                    connection.input.consume(step.consumed)
                    break loop
                case .data(let range):
                    guard state.bodyReceived(range.count, limit: limit, now: now) else {
                        failRequest(ProxyError(413, "request body is over the limit of \(limit) bytes"))
                        return false
                    }
                    sink(UnsafeRawBufferPointer(rebasing: available[range]))
                    connection.input.consume(step.consumed)
                case .end:
                    connection.input.consume(step.consumed)
                    state.bodyEnded()
                case .invalid(let reason):
                    failRequest(ProxyError(400, "invalid chunked request body: \(reason)"))
                    return false
                }
            }
        }
        if connection.input.isEmpty { connection.input.releaseIfEmpty() }
        return true
    }

    private func send(_ bytes: UnsafeRawBufferPointer, to upstream: UpstreamRequest) {
        upstream.send(bytes, queue: &bodyQueue)
        // Over HTTP/1.1 the bytes are in the request now; over HTTP/2 once nghttp2 pulls them.
        if case .http1 = upstream { state.bodySent(bytes.count, now: now) }
    }

    /// The client's request went wrong mid-body: the upstream exchange cannot finish.
    private func failRequest(_ error: ProxyError) {
        release()
        if state.responseStarted {
            connection.abort()
        } else {
            end(answer: error, keepAlive: false)
        }
    }

    // MARK: giving up

    /// Gives up the exchange's place upstream (resets its stream, or closes an HTTP/1.1 connection).
    func release() {
        acknowledgeRest()
        placement.detach().cancel(me)
        state.upstreamDetached()
        bodyQueue.release()
    }

    /// The client left or its connection failed: nothing more is relayed.
    func abandon() {
        guard isActive else { return }
        release()
        reset()
    }

    /// HTTP/2: response bytes still unacknowledged when the stream ends count against the connection's
    /// window, shared by every stream on it; acknowledged now, or that window is lost for good.
    private func acknowledgeRest() {
        if unacknowledged > 0, let upstream = placement.request {
            upstream.acknowledge(unacknowledged)
        }
        unacknowledged = 0
    }

    /// The upstream's silence ran out (`ClientTimer.upstreamSilence`), or a turn's handshake its time.
    func upstreamTimedOut() {
        let seconds = secondsText(worker.configuration.upstreamTimeoutMs)
        if let error = turn.expire(afterSeconds: seconds) {
            Log.info("\(error.status) \(requestMethod) \(pathOnly(request?.target ?? "")): \(error.message)")
            return end(answer: error)
        }
        let authority = forward?.origin.authority ?? "upstream"
        release()
        giveUp(ProxyError(504, "upstream timeout: no data from \(authority) within \(seconds) s"))
    }

    /// The exchange's timer, if one applies.
    var timer: ArmedTimer? {
        guard isActive else { return nil }
        return state.timer(upstreamHoldsBody: upstreamHoldsBody, limits: connection.timeouts)
    }

    // MARK: what the upstream side asks (see UpstreamUser)

    var pendingRequest: (head: RequestHead, forward: Forward)? {
        guard let request, let forward, !state.placed else { return nil }
        return (request, forward)
    }

    var requestMethod: String { forward?.method ?? "GET" }
    var hasRequestBody: Bool { state.hasRequestBody }
    var hasResponseHead: Bool { state.responseStarted }
    var isSafeToRetry: Bool { state.isSafeToRetry }

    /// HTTP/2: nghttp2 pulls request body bytes for a DATA frame.
    func takeRequestBody(into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, ended: Bool) {
        let available = bodyQueue.readable
        let count = min(available.count, buffer.count)
        if count > 0 {
            buffer.baseAddress!.copyMemory(from: available.baseAddress!, byteCount: count)
            bodyQueue.consume(count)
            state.bodySent(count, now: now)
        }
        if bodyQueue.isEmpty { bodyQueue.releaseIfEmpty() }
        return (count, state.body == .complete && bodyQueue.isEmpty)
    }

    /// HTTP/2: response bytes we hold in the output, to acknowledge once they are written.
    func deferAcknowledgement(_ count: Int) {
        unacknowledged += count
    }

    // MARK: upstream events

    func upstreamStarted(_ upstream: UpstreamRequest) {
        guard isActive else { return }
        placement.started(upstream)
        state.upstreamStarted(now: now)
        if case .http1(let client) = upstream, !bodyQueue.isEmpty {
            // A turn's prepared body, or a retry moved from HTTP/2 to HTTP/1.1: what is queued goes first.
            client.sendBody(bodyQueue.readable)
            state.bodySent(bodyQueue.readableCount, now: now)
            bodyQueue.release()
        }
        if state.body == .complete { upstream.endBody() }
        forwardBody()
        // Reading may have stopped while the upstream was not there to take the body.
        if state.body != .complete { worker.loop.runSoon(connection) }
        connection.updateTimer()
    }

    /// The connection we waited on cannot take the request after all: find another.
    func upstreamRedirect() {
        guard isActive else { return }
        placement.detach()
        state.upstreamDetached()
        attach()
    }

    /// The upstream took request body bytes: with room again, reading and forwarding the body go on,
    /// after the caller's stack unwinds, since the caller is often our own forwardBody pushing to the
    /// upstream. (Reading may have stopped with nothing left in the input, so this does not wait for a flag.)
    func upstreamTookBody() {
        guard isActive else { return }
        state.upstreamActive(now: now)
        if state.body != .complete && upstreamHasRoom { worker.loop.runSoon(connection) }
    }

    func upstreamDidReceiveHead(_ head: ResponseHead) {
        guard isActive, let request else { return }
        if let imitation { return imitationReceived(head, imitation) }
        let hasBody = head.framing != .none
        let handling = ContentHandling.decide(response: head.fields, request: request.fields,
                                              decodes: worker.profile.fetch != nil, hasBody: hasBody)
        var decoder: ContentDecoder?
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
        state.responseHeadReceived(now: now)
        if turn.answered(head) { worker.chatgpt.build.markStale() }
        connection.responseStarted(head.status)
        // Unsent request body bytes would be misread as the next request: close after this answer.
        if !state.bodyFullyRead { connection.mustClose() }
        responseFraming = ClientResponseHead.write(head, clientMinorVersion: request.minorVersion,
                                                   keepAlive: connection.keepAlive, limits: connection.limitStatus,
                                                   decoded: handling != .passThrough, into: &connection.output)
        if responseFraming == .untilClose { connection.mustClose() }
        if let decoder { coded = CodedBody(decoder, chunked: responseFraming == .chunked) }
    }

    /// A response the client cannot read (a coding it did not accept and proxyd cannot remove):
    /// answered with an error instead, before any byte of it goes out.
    func refuseResponse(_ error: ProxyError) {
        release()
        giveUp(error)
    }

    /// Queues body bytes; `upstreamBatchDone` writes them. Returns whether the upstream may keep
    /// sending (false: our output is full, wait for the drain).
    func upstreamBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard isActive else { return false }
        if let imitation { return imitationTook(imitation.take(bytes)) }
        if coded != nil { return decodeBody(bytes) }
        if responseFraming == .chunked {
            ChunkedEncoder.writeChunk(bytes, into: &connection.output)
        } else {
            connection.output.append(bytes)
        }
        return state.responseTaken(buffered: connection.output.readableCount, now: now)
    }

    /// Trailers of a body relayed as it came: one proxyd decoded no longer matches what they describe.
    func upstreamTrailers(_ fields: [HTTPField]) {
        guard isActive, responseFraming == .chunked, coded == nil else { return }
        state.upstreamActive(now: now)
        // Framing and routing fields may not come as trailers (RFC 9110 6.5.1).
        trailers = fields.filter { field in
            if let known = field.known, known.isHopByHop || known == .contentLength || known == .host { return false }
            return !field.hasName("content-encoding") && !field.hasName("content-type")
        }
    }

    /// The upstream handed over everything one read produced: one write(2) for head and body.
    func upstreamBatchDone() {
        guard isActive else { return }
        connection.flushOutput()
        connection.updateTimer()
    }

    func upstreamDidFinish() {
        guard isActive else { return }
        acknowledgeRest()
        placement.detach()
        state.upstreamFinished()
        if coded != nil || decodingPending {
            // The body ends once the client has taken what is still coded here: flushOutput ends it
            // (now, when nothing waits) and watches the client meanwhile.
            connection.flushOutput()
        } else if imitation != nil {
            imitationEnded()
        } else {
            if responseFraming == .chunked { writeLastChunk() }
            end()
        }
        connection.updateTimer()
    }

    func upstreamDidFail(_ error: ProxyError, retryable: Bool) {
        guard isActive else { return }
        acknowledgeRest()
        placement.detach()
        state.upstreamDetached()
        giveUp(error, retrying: placement.retry(retryable: retryable, safe: state.isSafeToRetry))
        connection.updateTimer()
    }

    /// After a failed attempt: place the request again (a stale pooled connection, or a stream the
    /// server refused unprocessed), answer with proxyd's error, or cut the response if it started.
    private func giveUp(_ error: ProxyError, retrying: Bool = false) {
        let action = state.failure(retrying: retrying)
        if action == .retry {
            Log.debug("retrying on a new upstream connection: \(error.message)")
            attach()
            return
        }
        if let request { Log.info("\(error.status) \(request.method) \(pathOnly(request.target)): \(error.message)") }
        if action == .truncate && imitation == nil {
            connection.abort()  // the client sees a truncated response
        } else {
            end(answer: error, keepAlive: state.bodyFullyRead)
        }
    }

    private func writeLastChunk() {
        ChunkedEncoder.writeLastChunk(trailers: trailers, into: &connection.output)
        trailers.removeAll()
    }

    /// The response is complete in the output, or proxyd's own answer replaces it.
    func end(answer error: ProxyError? = nil, keepAlive: Bool = true) {
        if let error, imitation != nil { return end(imitate: ImitateError(error), keepAlive: keepAlive) }
        reset()
        if let error {
            connection.answer(error, keepAlive: keepAlive)
        } else {
            connection.exchangeEnded()
        }
    }

    func reset() {
        request = nil
        forward = nil
        turn.cancel()
        coded = nil
        imitation = nil
    }

    // MARK: the client's side

    /// The client took output: decode more of what is kept, a bounded amount per call (the rest in a
    /// later loop turn, so other connections get their turn), let a paused upstream go on, and end a
    /// decoded body once all of it is out.
    func outputDrained() {
        guard isActive else { return }
        var rounds = 0
        while connection.writable && decodingPending {
            guard rounds < Self.decodeRoundsPerTurn else {
                worker.loop.runSoon(connection)
                break
            }
            rounds += 1
            decodeCodedInput()
            guard isActive else { return }
            connection.writeOutput()
        }
        if state.upstreamEnded && !decodingPending {
            if imitation != nil { imitationEnded() } else { finishDecodedBody() }
            return
        }
        resumeUpstream()
    }

    /// Our output drained: the upstream may send more (HTTP/1.1: read on; HTTP/2: acknowledge) once
    /// nothing coded waits here.
    private func resumeUpstream() {
        guard let upstream = placement.request else { return }
        if decodingPending {
            state.holdUpstream()
            return
        }
        guard state.shouldResumeUpstream(buffered: connection.output.readableCount, now: now) else { return }
        let count = unacknowledged
        unacknowledged = 0
        upstream.acknowledge(count)
    }

    /// Coded bytes wait to be decoded in a later loop turn.
    var decodingPending: Bool { coded?.pending ?? imitation?.pending ?? false }

    // MARK: decoding

    /// Decodes what fits below `highWater` and keeps the rest of the coded bytes. Returns whether the
    /// upstream may send more.
    private func decodeBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if let error = coded?.take(bytes, into: &connection.output) {
            decodingFailed(error)
            // The client is gone: the upstream side counts the bytes as taken (HTTP/2 returns their
            // window) and, seeing the exchange released, reads no further.
            return true
        }
        return upstreamMaySend()
    }

    /// After response bytes were taken: not while coded bytes wait here, else while the output has room.
    func upstreamMaySend() -> Bool {
        guard !decodingPending else {
            state.holdUpstream()
            return false
        }
        return state.responseTaken(buffered: connection.output.readableCount, now: now)
    }

    /// Decodes kept coded bytes into the output, up to `highWater` (an imitation converts what it kept).
    private func decodeCodedInput() {
        if let imitation { return _ = imitationProgressed(imitation.convertKept()) }
        if let error = coded?.decodeKept(into: &connection.output) { decodingFailed(error) }
    }

    /// Corrupt coded bytes after the head went out: the client can only be told by a truncated
    /// response (no last chunk, the connection closes).
    private func decodingFailed(_ error: ContentDecodingError) {
        if let request {
            Log.warning("\(request.method) \(pathOnly(request.target)): cannot decode the upstream's response body "
                        + "(\(error.message)); the response to the client is cut short")
        }
        connection.abort()
    }

    /// Everything is decoded: the coded stream must have ended too, or the upstream's body was cut.
    private func finishDecodedBody() {
        guard let coded else { return }
        if let error = coded.endError {
            decodingFailed(error)
            return
        }
        if responseFraming == .chunked { writeLastChunk() }
        end()
    }
}

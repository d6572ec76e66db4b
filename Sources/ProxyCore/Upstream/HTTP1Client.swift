/// HTTP/1.1 over one upstream connection, beside `HTTP2Session` for HTTP/2: one exchange at a time.
/// It owns the request's framing (the head, chunk size lines, the last chunk) in `output`, which its
/// connection writes, and parses the response out of what the connection reads, handing it to the
/// exchange's user as it arrives.
final class HTTP1Client {
    /// Where the response stands.
    private enum Phase {
        /// No exchange: bytes from the upstream now are a protocol error.
        case idle
        case head
        case fixedBody(remaining: UInt64)
        case chunkedBody
        case bodyUntilClose
    }

    private unowned let connection: UpstreamConnection
    /// Request bytes for the socket: the head, then the body in the request's framing.
    var output: IOBuffer
    /// The exchange's user; nil between exchanges.
    private(set) var user: UpstreamUser?
    private var phase = Phase.idle
    private var chunkedRequest = false
    private var requestComplete = false
    private var requestMethod = "GET"
    private var responseKeepAlive = false
    private var headScanned = 0
    /// The last response head's field array, emptied, for the next head's fields.
    private var spareFields: [HTTPField] = []
    private var chunked = ChunkedDecoder()
    /// Some response byte arrived: a failure now cannot be retried elsewhere.
    private(set) var receivedResponseBytes = false
    /// A previous exchange ran here: a failure before any answer may be a stale keep-alive connection.
    private(set) var reused = false
    /// The user has no room for more response: reading waits for `acknowledge`.
    private(set) var readPaused = false

    init(connection: UpstreamConnection) {
        self.connection = connection
        output = IOBuffer(pool: connection.worker.buffers)
    }

    var isIdle: Bool { user == nil }

    /// Writes the request head and hands the user its handle; the connection writes it out.
    func start(_ user: UpstreamUser, _ request: (head: RequestHead, forward: Forward, plan: HeaderPlan?)) {
        self.user = user
        requestMethod = request.forward.method
        chunkedRequest = request.head.framing == .chunked
        requestComplete = false
        phase = .head
        headScanned = 0
        receivedResponseBytes = false
        readPaused = false
        if reused { connection.worker.metrics.count(.upstreamConnectionsReused, series: WireLabel.http1.rawValue) }
        UpstreamRequestHead.write(request.head, method: request.forward.method, target: request.forward.target,
                                  page: request.forward.page, origin: connection.origin, plan: request.plan, into: &output)
        user.upstreamStarted(.http1(self))
    }

    // MARK: the request body (through UpstreamRequest)

    func sendBody(_ bytes: UnsafeRawBufferPointer) {
        if chunkedRequest {
            ChunkedEncoder.writeChunk(bytes, into: &output)
        } else {
            output.append(bytes)
        }
    }

    func endBody() {
        if chunkedRequest { ChunkedEncoder.writeLastChunk(into: &output) }
        requestComplete = true
    }

    func flush() {
        connection.flush()
    }

    /// The user wrote out what it had: reading goes on, once the caller's stack has unwound.
    func acknowledge() {
        guard readPaused else { return }
        readPaused = false
        connection.resumeSoon()
    }

    /// The connection wrote some of `output`: a request body still going out tells its user, which
    /// counts the upload as upstream activity and may queue more.
    func wrote(progress: Bool) {
        guard progress, let user, !requestComplete || !output.isEmpty else { return }
        user.upstreamTookBody()
    }

    /// The user gives up: an HTTP/1.1 request cannot be cancelled but by closing its connection.
    func cancel() {
        guard user != nil else { return }
        user = nil
        connection.close()
    }

    // MARK: the response

    /// The end of a batch of reads: the user writes what it got in one go.
    func finishBatch() {
        user?.upstreamBatchDone()
    }

    /// Parses and relays what `input` holds, until it needs more bytes or the user is full.
    func receive(_ input: inout IOBuffer) {
        while !input.isEmpty && !readPaused, let user {
            switch phase {
            case .idle:
                connection.close()  // bytes nobody asked for
                return
            case .head:
                receivedResponseBytes = true
                let worker = connection.worker
                switch worker.responseParser.parse(input.readable, requestMethod: requestMethod, searchFrom: headScanned,
                                                   reusing: &spareFields, strings: worker.fieldStrings) {
                case .incomplete(let scanned):
                    headScanned = scanned
                    return
                case .invalid(let reason):
                    connection.fail(ProxyError(502, "upstream protocol error from \(connection.origin.authority): \(reason)"))
                    return
                case .complete(var head, let length):
                    input.consume(length)
                    headScanned = 0
                    // The user does not keep the head: its emptied array takes the next head's fields.
                    defer {
                        swap(&head.fields, &spareFields)
                        spareFields.removeAll(keepingCapacity: true)
                    }
                    if head.status >= 100 && head.status < 200 {
                        // Interim answers (100 Continue, 103 Early Hints) are not relayed.
                        guard head.status != 101 else {
                            connection.fail(ProxyError(502, "upstream protocol error from \(connection.origin.authority): unexpected 101 Switching Protocols"))
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
                    user.upstreamDidReceiveHead(head)
                    guard stillServing(user) else { return }
                    if case .fixedBody(0) = phase {
                        finish(leftover: !input.isEmpty)
                        return
                    }
                }
            case .fixedBody(let remaining):
                let available = input.readable
                let count = Int(min(UInt64(available.count), remaining))
                let more = user.upstreamBody(UnsafeRawBufferPointer(rebasing: available[0..<count]))
                guard stillServing(user) else { return }
                input.consume(count)
                phase = .fixedBody(remaining: remaining - UInt64(count))
                if remaining == UInt64(count) {
                    finish(leftover: !input.isEmpty)
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
                    let more = user.upstreamBody(UnsafeRawBufferPointer(rebasing: available[range]))
                    guard stillServing(user) else { return }
                    input.consume(step.consumed)
                    if !more { readPaused = true }
                case .end:
                    input.consume(step.consumed)
                    finish(leftover: !input.isEmpty)
                    return
                case .invalid(let reason):
                    connection.fail(ProxyError(502, "upstream protocol error from \(connection.origin.authority): bad chunked body: \(reason)"))
                    return
                }
            case .bodyUntilClose:
                let more = user.upstreamBody(input.readable)
                guard stillServing(user) else { return }
                input.consume(input.readableCount)
                if !more { readPaused = true }
            }
        }
    }

    /// A user callback may end the exchange (its socket failed): then stop touching `input`.
    private func stillServing(_ user: UpstreamUser) -> Bool {
        connection.state == .open && self.user?.isSame(as: user) == true
    }

    /// The upstream closed its side: the end of a body framed by the close, else a failure, which a
    /// stale keep-alive connection that answered nothing may retry elsewhere.
    func endOfStream(inputEmpty: Bool) {
        if case .bodyUntilClose = phase, user != nil {
            responseKeepAlive = false
            finish(leftover: false)
            return
        }
        let authority = connection.origin.authority
        if case .head = phase, !receivedResponseBytes {
            connection.fail(ProxyError(502, "upstream \(authority) closed the connection before responding"),
                            retryable: reused && inputEmpty)
        } else {
            connection.fail(ProxyError(502, "upstream \(authority) closed the connection mid-response"))
        }
    }

    /// The user to fail with the connection, taken off it.
    func detachUser() -> UpstreamUser? {
        defer { user = nil }
        return user
    }

    /// The response is complete: the connection goes back to the pool if both sides are done with it.
    private func finish(leftover: Bool) {
        guard let user else { return }
        self.user = nil
        phase = .idle
        reused = true
        connection.exchangeFinished(reusable: responseKeepAlive && requestComplete && !leftover && output.isEmpty)
        user.upstreamDidFinish()
    }
}

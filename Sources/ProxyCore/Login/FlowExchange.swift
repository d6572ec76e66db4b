/// One login step's request through the worker's upstream pool, dialer and TLS profile, like a
/// client's, with the answer gathered in memory instead of relayed. It completes from the loop's
/// deferred queue, after the upstream callbacks that ended it have unwound, so the next step may
/// start on the very connection that just answered.
final class FlowExchange: EventHandler {
    let kind: FlowRequest.Kind
    private unowned let worker: Worker
    /// Held strongly: it picks the route of every attempt. The cycle ends when the transport lets go of
    /// its step in flight (completion or cancel), which the step's own timeout guarantees.
    private let transport: UpstreamFlowTransport
    private let url: FlowURL
    private var body: [UInt8]
    private let head: RequestHead
    private let forward: Forward
    private var completion: ((Result<FlowResponse, ProxyError>) -> Void)?
    private var result: Result<FlowResponse, ProxyError>?
    private var placement = UpstreamPlacement()
    private var response: FlowResponse?
    private var bodySent = 0

    init(_ request: FlowRequest, transport: UpstreamFlowTransport, worker: Worker,
         completion: @escaping (Result<FlowResponse, ProxyError>) -> Void) {
        kind = request.kind
        self.worker = worker
        self.transport = transport
        url = request.url
        body = request.body
        var fields = request.fields
        // HTTP/2 carries the length as a field; HTTP/1.1's framing writes its own from `framing`.
        if !body.isEmpty { fields.append(HTTPField("Content-Length", String(body.count))) }
        head = RequestHead(method: request.method, target: request.url.pathAndQuery, minorVersion: 1, fields: fields,
                           framing: body.isEmpty ? .none : .contentLength(UInt64(body.count)), keepAlive: true,
                           expectsContinue: false)
        forward = Forward(origin: request.url.origin, method: request.method, target: request.url.pathAndQuery)
        self.completion = completion
    }

    func start() {
        worker.loop.setTimeout(self, milliseconds: worker.configuration.upstreamTimeoutMs)
        attach()
    }

    /// The login ended (its deadline, or the client left): give up the request and never complete.
    func cancel() {
        completion = nil
        release()
        worker.loop.setDeadline(self, .max)
    }

    private func attach() {
        placement.attach(origin: forward.origin, route: transport.currentRoute(), worker: worker).enqueue(.flow(self))
    }

    private func release() {
        placement.detach().cancel(.flow(self))
    }

    private func finish(_ outcome: Result<FlowResponse, ProxyError>) {
        guard completion != nil, result == nil else { return }
        result = outcome
        worker.loop.setDeadline(self, .max)
        worker.loop.runSoon(self)
    }

    override func handleDeferred() {
        guard let completion, let result else { return }
        self.completion = nil
        // The timer heap may hold this exchange until its deadline: keep no answer, and no password form.
        self.result = nil
        response = nil
        body = []
        completion(result)
    }

    override func handleTimeout() {
        guard result == nil else { return }
        release()
        let seconds = secondsText(worker.configuration.upstreamTimeoutMs)
        finish(.failure(ProxyError(504, "upstream timeout: no answer from \(forward.origin.authority) within \(seconds) s")))
    }

    // MARK: what the upstream side asks (see UpstreamUser)

    var pendingRequest: (head: RequestHead, forward: Forward)? {
        completion != nil && result == nil ? (head, forward) : nil
    }

    var requestMethod: String { forward.method }
    var hasRequestBody: Bool { !body.isEmpty }
    var hasResponseHead: Bool { response != nil }
    var isSafeToRetry: Bool { response == nil && bodySent == 0 }

    func takeRequestBody(into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, ended: Bool) {
        let count = min(body.count - bodySent, buffer.count)
        body.withUnsafeBytes { bytes in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[bodySent..<(bodySent + count)]))
        }
        bodySent += count
        return (count, bodySent == body.count)
    }

    func upstreamStarted(_ request: UpstreamRequest) {
        placement.started(request)
        // Over HTTP/2, nghttp2 pulls the body through takeRequestBody.
        guard case .http1(let client) = request else { return }
        body.withUnsafeBytes { client.sendBody($0) }
        bodySent = body.count
        client.endBody()
    }

    func upstreamRedirect() {
        placement.detach()
        guard pendingRequest != nil else { return }
        attach()
    }

    func upstreamDidReceiveHead(_ head: ResponseHead) {
        response = FlowResponse(status: head.status, fields: head.fields)
    }

    /// Gathers the body; past the cap the request is given up rather than read to its end.
    func upstreamBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard result == nil, response != nil else { return true }  // dropped, but acknowledged: the window is shared
        guard response!.body.count + bytes.count <= FlowResponse.maxBodyBytes else {
            release()
            finish(.failure(FlowResponse.bodyTooLarge(url)))
            return true  // taken, so HTTP/2 acknowledges these bytes and the connection keeps its window
        }
        response!.body.append(contentsOf: bytes)
        return true
    }

    func upstreamDidFinish() {
        placement.detach()
        guard let response else { return }
        finish(Self.decoded(response, from: url))
    }

    /// The profile offered the browser's codings and a flow reads plain bodies: a coded answer is
    /// decoded whole here, within the same cap as a plain one.
    private static func decoded(_ response: FlowResponse, from url: FlowURL) -> Result<FlowResponse, ProxyError> {
        let handling = ContentHandling.decide(response: response.fields, request: [], decodes: true,
                                              hasBody: !response.body.isEmpty)
        switch handling {
        case .passThrough:
            return .success(response)
        case .refuse(let message):
            return .failure(ProxyError(502, message))
        case .decode(let coding):
            guard let decoder = ContentDecoder(coding) else {
                return .failure(ProxyError(502, "cannot allocate a \(coding) decoder for the upstream's answer"))
            }
            var output = IOBuffer()
            let written = response.body.withUnsafeBytes { body in
                DecodedBody.write(decoder, body, chunked: false, into: &output, limit: FlowResponse.maxBodyBytes + 1)
            }
            switch written {
            case .failure(let error):
                return .failure(ProxyError(502, "upstream answer from \(url.origin.authority) is not valid \(coding): \(error.message)"))
            case .success(let consumed):
                if output.readableCount > FlowResponse.maxBodyBytes { return .failure(FlowResponse.bodyTooLarge(url)) }
                guard consumed == response.body.count, decoder.isComplete else {
                    return .failure(ProxyError(502, "upstream answer from \(url.origin.authority) ends inside its \(coding) coding"))
                }
            }
            var plain = response
            plain.body = Array(output.readable)
            plain.fields.removeAll { $0.hasName("content-encoding") || $0.known == .contentLength }
            return .success(plain)
        }
    }

    func upstreamDidFail(_ error: ProxyError, retryable: Bool) {
        placement.detach()
        if pendingRequest != nil && placement.retry(retryable: retryable, safe: isSafeToRetry) {
            attach()
            return
        }
        finish(.failure(error))
    }
}

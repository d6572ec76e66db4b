/// Whose request an upstream exchange carries: a client's exchange, relayed as it streams, or an
/// internal flow's (a login step), answered into memory. A closed set, so the upstream side
/// dispatches with a switch on the data path rather than through an existential. Each holds its
/// place upstream in an `UpstreamPlacement`.
enum UpstreamUser {
    case client(ClientExchange)
    case flow(FlowExchange)

    func isSame(as other: UpstreamUser) -> Bool {
        switch (self, other) {
        case (.client(let a), .client(let b)): return a === b
        case (.flow(let a), .flow(let b)): return a === b
        default: return false
        }
    }

    /// The request to send, with the header plan of its kind, while it still wants sending.
    func pendingRequest(_ profile: BrowserProfile) -> (head: RequestHead, forward: Forward, plan: HeaderPlan?)? {
        switch self {
        case .client(let client):
            guard let request = client.pendingRequest else { return nil }
            return (request.head, request.forward, profile.fetch)
        case .flow(let flow):
            guard let request = flow.pendingRequest else { return nil }
            return (request.head, request.forward, flow.kind == .navigation ? profile.navigation : profile.fetch)
        }
    }

    var requestMethod: String {
        switch self {
        case .client(let client): return client.requestMethod
        case .flow(let flow): return flow.requestMethod
        }
    }

    var hasRequestBody: Bool {
        switch self {
        case .client(let client): return client.hasRequestBody
        case .flow(let flow): return flow.hasRequestBody
        }
    }

    var hasResponseHead: Bool {
        switch self {
        case .client(let client): return client.hasResponseHead
        case .flow(let flow): return flow.hasResponseHead
        }
    }

    var isSafeToRetry: Bool {
        switch self {
        case .client(let client): return client.isSafeToRetry
        case .flow(let flow): return flow.isSafeToRetry
        }
    }

    func takeRequestBody(into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, ended: Bool) {
        switch self {
        case .client(let client): return client.takeRequestBody(into: buffer)
        case .flow(let flow): return flow.takeRequestBody(into: buffer)
        }
    }

    func deferAcknowledgement(_ count: Int) {
        if case .client(let client) = self { client.deferAcknowledgement(count) }
    }

    /// The upstream started the request; `request` is how its body and acknowledgements reach it.
    func upstreamStarted(_ request: UpstreamRequest) {
        switch self {
        case .client(let client): client.upstreamStarted(request)
        case .flow(let flow): flow.upstreamStarted(request)
        }
    }

    func upstreamRedirect() {
        switch self {
        case .client(let client): client.upstreamRedirect()
        case .flow(let flow): flow.upstreamRedirect()
        }
    }

    /// The upstream took request body bytes (written to its socket, or pulled by nghttp2).
    func upstreamTookBody() {
        if case .client(let client) = self { client.upstreamTookBody() }
    }

    func upstreamDidReceiveHead(_ head: ResponseHead) {
        switch self {
        case .client(let client): client.upstreamDidReceiveHead(head)
        case .flow(let flow): flow.upstreamDidReceiveHead(head)
        }
    }

    func upstreamBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        switch self {
        case .client(let client): return client.upstreamBody(bytes)
        case .flow(let flow): return flow.upstreamBody(bytes)
        }
    }

    /// Flows read bodies, not trailers.
    func upstreamTrailers(_ fields: [HTTPField]) {
        if case .client(let client) = self { client.upstreamTrailers(fields) }
    }

    func upstreamBatchDone() {
        if case .client(let client) = self { client.upstreamBatchDone() }
    }

    func upstreamDidFinish() {
        switch self {
        case .client(let client): client.upstreamDidFinish()
        case .flow(let flow): flow.upstreamDidFinish()
        }
    }

    func upstreamDidFail(_ error: ProxyError, retryable: Bool) {
        switch self {
        case .client(let client): client.upstreamDidFail(error, retryable: retryable)
        case .flow(let flow): flow.upstreamDidFail(error, retryable: retryable)
        }
    }
}

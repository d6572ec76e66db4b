/// A login route on a client connection, the other kind of exchange: its body is small JSON, read
/// whole (Content-Length only); then the flow runs (`LoginCall`) and its one answer is written like a
/// local one. Its steps go upstream as `FlowExchange`s, placed like a client's requests.
final class ClientLogin {
    private unowned let connection: ClientConnection
    private unowned let worker: Worker
    private let kind: LoginKind
    private var body: [UInt8] = []
    private var remaining: Int
    private var call: LoginCall?

    /// Why a login request is refused before its body is read; nil when it may start.
    static func refusal(_ head: RequestHead) -> ProxyError? {
        switch head.framing {
        case .chunked:
            return ProxyError(411, "login request body needs a Content-Length")
        case .contentLength(let n) where n > UInt64(LoginRequest.maxBodyBytes):
            return ProxyError(400, "login request body is larger than \(LoginRequest.maxBodyBytes) bytes")
        default:
            return nil
        }
    }

    init(_ kind: LoginKind, _ head: RequestHead, connection: ClientConnection, worker: Worker) {
        self.kind = kind
        self.connection = connection
        self.worker = worker
        if case .contentLength(let n) = head.framing { remaining = Int(n) } else { remaining = 0 }
        if head.expectsContinue && remaining > 0 {
            LocalResponse.writeContinue(into: &connection.output)
            connection.flushOutput()
        }
    }

    /// Still reading the body.
    var wantsBody: Bool { remaining > 0 }

    /// Takes body bytes from the connection's input; once complete, starts the flow.
    func collect() {
        guard call == nil else { return }
        if remaining > 0 {
            let available = connection.input.readable
            let count = min(available.count, remaining)
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: available[0..<count]))
            connection.input.consume(count)
            remaining -= count
            guard remaining == 0 else { return }
        }
        let call = LoginCall(kind, body: body, worker: worker) { [unowned self] result in
            self.finish(result)
        }
        body = []
        // The call may have answered already (a bad body, no free slot).
        if connection.login === self { self.call = call }
    }

    /// PROXYD_LOGIN_TIMEOUT ran out: the flow answers its 504 naming its step, or the body never came.
    func expire() {
        if let call {
            call.expire()
            // The flow answers as it is cancelled; should it not, the deadline must still end the login.
            if connection.login === self {
                abandon()
                connection.answer(ProxyError(504, "login did not finish in time"), keepAlive: false)
            }
        } else {
            let seconds = secondsText(worker.configuration.loginTimeoutMs)
            connection.answer(ProxyError(408, "login request body not received within \(seconds) s"), keepAlive: false)
        }
    }

    /// The client left: the flow stops and no answer is wanted.
    func abandon() {
        call?.abandon()
        call = nil
    }

    private func finish(_ result: Result<FlowResponse, ProxyError>) {
        guard connection.login === self else { return }
        call = nil
        let route = kind == .chatgpt ? "/chatgpt/login" : "/platform/login"
        switch result {
        case .success(let response):
            Log.info("\(response.status) POST \(route)")
            connection.answer(status: response.status, json: String(decoding: response.body, as: UTF8.self))
        case .failure(let error) where error.status < 500:
            // The answer to a user's own credentials (an alert text, a rate limit detail) may quote them.
            Log.info("\(error.status) POST \(route)")
            connection.answer(error)
        case .failure(let error):
            Log.info("\(error.status) POST \(route): \(error.message)")
            connection.answer(error)
        }
    }
}

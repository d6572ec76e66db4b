/// What both flows share: the session, the current step (named in every error), one completion,
/// cancellation, and the errors the original program gave. Messages never carry credentials,
/// tokens, cookies or bodies: only step names, statuses and hosts.
final class LoginRun {
    static let emailNotValid = "Email is not valid."
    static let wrongPassword = "Email or password is not correct."
    static let twoFactor = "Login with two-factor authentication enabled is not supported currently."

    let flow: String
    let session: FlowSession
    private(set) var step = "start"
    private var completion: ((Result<FlowResponse, ProxyError>) -> Void)?

    init(flow: String, transport: FlowTransport, jar: CookieJar) {
        self.flow = flow
        session = FlowSession(transport: transport, jar: jar)
    }

    func start(_ completion: @escaping (Result<FlowResponse, ProxyError>) -> Void) {
        self.completion = completion
    }

    func enter(_ step: String) {
        self.step = step
        Log.debug("\(flow) login: \(step)")
    }

    func finish(_ result: Result<FlowResponse, ProxyError>) {
        guard let completion else { return }
        self.completion = nil
        session.isCancelled = true
        if case .failure(let error) = result { Log.debug("\(flow) login failed at \(step): \(error.status)") }
        completion(result)
    }

    func fail(_ status: Int, _ message: String) { finish(.failure(ProxyError(status, message))) }

    func cancel() {
        fail(504, "\(flow) login did not finish in time (at step \(step))")
    }

    /// Sends one step's request; transport errors and 429 answers end the login, anything else goes to `next`.
    func send(_ request: FlowRequest, redirects: FlowSession.Redirects = .manual, passing429: Bool = false,
              _ next: @escaping (FlowSession.Exchange) -> Void) {
        guard completion != nil else { return }
        session.send(request, redirects: redirects) { [self] result in
            switch result {
            case .failure(let error):
                fail(error.status, "\(flow) login (\(step)): \(error.message)")
            case .success(let exchange) where exchange.response.status == 429 && !passing429:
                let detail = JSONObjectReader.string("detail", in: exchange.response.body)
                fail(429, detail ?? "\(flow) login (\(step)): the upstream is rate limiting, try again later")
            case .success(let exchange):
                next(exchange)
            }
        }
    }

    func unexpected(_ exchange: FlowSession.Exchange, missing what: String? = nil) {
        let host = exchange.url.origin.authority
        fail(502, "\(flow) login (\(step)): \(host) answered status \(exchange.response.status)"
             + (what.map { " without \($0)" } ?? ""))
    }

    /// A JSON string member of a 2xx answer, or nil after failing the login.
    func jsonString(_ name: String, in exchange: FlowSession.Exchange) -> String? {
        guard (200..<300).contains(exchange.response.status),
              let value = JSONObjectReader.string(name, in: exchange.response.body), !value.isEmpty else {
            unexpected(exchange, missing: "\"\(name)\"")
            return nil
        }
        return value
    }
}

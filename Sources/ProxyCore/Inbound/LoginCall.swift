/// One client's run of a login route: its slot among the worker's logins, its flow and the flow's
/// transport, and the one answer it ends with. The client connection collects the request body,
/// arms the deadline and writes the answer; this type knows which flow and what to release.
final class LoginCall {
    private unowned let worker: Worker
    private var transport: UpstreamFlowTransport?
    private var flow: LoginFlow?

    /// Starts the login, or answers at once (bad body, no free slot) through `completion`.
    init(_ kind: LoginKind, body: [UInt8], worker: Worker,
         completion: @escaping (Result<FlowResponse, ProxyError>) -> Void) {
        self.worker = worker
        let credentials: LoginRequest
        switch LoginRequest.parse(body) {
        case .success(let parsed): credentials = parsed
        case .failure(let error):
            completion(.failure(error))
            return
        }
        guard worker.loginSlots.acquire() else {
            completion(.failure(LoginSlots.exhausted))
            return
        }
        let origins = LoginOrigins(worker.configuration)
        let transport = UpstreamFlowTransport(worker: worker, stickyKey: credentials.username)
        self.transport = transport
        let flow: LoginFlow = switch kind {
        case .chatgpt: ChatGPTLogin(credentials, origins: origins, transport: transport)
        case .platform: PlatformLogin(credentials, origins: origins, transport: transport)
        }
        self.flow = flow  // holding a flow is holding a slot
        flow.start { [weak self] result in
            guard let self, self.flow != nil else { return }
            self.end()
            completion(result)
        }
    }

    /// The deadline passed: the flow completes with its 504 naming the step it was on.
    func expire() {
        flow?.cancel()
    }

    /// The client left: nothing more is sent for it and no answer is wanted.
    func abandon() {
        end()
    }

    private func end() {
        guard flow != nil else { return }
        flow = nil
        transport?.cancel()
        transport = nil
        worker.loginSlots.release()
    }
}

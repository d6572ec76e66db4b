/// `POST /chatgpt/login`: next-auth's CSRF token and sign-in URL on the ChatGPT origin, auth0's
/// identifier and password pages, the redirects back to ChatGPT's callback (which sets the session
/// cookie), then the session JSON, answered to the client as it came.
package final class ChatGPTLogin: LoginFlow {
    private let credentials: LoginRequest
    private let origins: LoginOrigins
    private let run: LoginRun
    private let pages: Auth0Pages

    package init(_ credentials: LoginRequest, origins: LoginOrigins, transport: FlowTransport,
                jar: CookieJar = CookieJar()) {
        self.credentials = credentials
        self.origins = origins
        run = LoginRun(flow: "ChatGPT", transport: transport, jar: jar)
        pages = Auth0Pages(run: run, auth: origins.auth)
    }

    package func start(_ completion: @escaping (Result<FlowResponse, ProxyError>) -> Void) {
        run.start(completion)
        csrf()
    }

    package func cancel() { run.cancel() }

    private func csrf() {
        run.enter("csrf")
        run.send(FlowRequest("GET", FlowURL(origins.chatgpt, "/api/auth/csrf"), kind: .api)) { [self] exchange in
            guard let token = run.jsonString("csrfToken", in: exchange) else { return }
            signIn(csrfToken: token)
        }
    }

    private func signIn(csrfToken: String) {
        run.enter("signin")
        let request = FlowRequest(
            "POST", FlowURL(origins.chatgpt, "/api/auth/signin/auth0", query: "prompt=login"), kind: .api,
            fields: [HTTPField("content-type", "application/x-www-form-urlencoded")],
            body: FormEncoding.encode([("callbackUrl", "/"), ("csrfToken", csrfToken), ("json", "true")]))
        run.send(request) { [self] exchange in
            guard let text = run.jsonString("url", in: exchange) else { return }
            guard let url = FlowURL(text) else { return run.unexpected(exchange, missing: "a valid \"url\"") }
            loginPage(url)
        }
    }

    private func loginPage(_ url: FlowURL) {
        run.enter("login page")
        run.send(FlowRequest("GET", url, kind: .navigation), redirects: .follow) { [self] exchange in
            guard let state = HTMLScan.inputValue(named: "state", in: exchange.response.body), !state.isEmpty else {
                return run.unexpected(exchange, missing: "a state input")
            }
            pages.identifier(state: state, username: credentials.username) { [self] in
                pages.password(state: state, credentials: credentials) { [self] in resume($0) }
            }
        }
    }

    /// auth0 resumes the authorization and redirects either to its two-factor challenge or to ChatGPT's callback.
    private func resume(_ url: FlowURL) {
        run.enter("resume")
        run.send(FlowRequest("GET", url, kind: .navigation)) { [self] exchange in
            guard let location = exchange.location else { return run.unexpected(exchange, missing: "a redirect") }
            if Auth0Pages.isTwoFactorChallenge(location) { return run.fail(400, LoginRun.twoFactor) }
            callback(location)
        }
    }

    private func callback(_ url: FlowURL) {
        run.enter("callback")
        run.send(FlowRequest("GET", url, kind: .navigation)) { [self] exchange in
            guard exchange.response.isRedirect else { return run.unexpected(exchange, missing: "a redirect") }
            session()
        }
    }

    private func session() {
        run.enter("session")
        run.send(FlowRequest("GET", FlowURL(origins.chatgpt, "/api/auth/session"), kind: .api)) { [self] exchange in
            run.finish(.success(exchange.response))
        }
    }
}

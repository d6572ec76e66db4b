/// `POST /platform/login`: auth0's authorization-code flow for the platform web app (the identifier
/// and password pages, the redirects to the app's callback), the code exchanged for an access token,
/// then the dashboard login, answered to the client as it came.
package final class PlatformLogin: LoginFlow {
    /// The platform web app's public auth0 client.
    static let clientID = "DRivsnm2Mu42T3KOpqdtwB3NYviHYzwD"
    static let audience = "https://api.openai.com/v1"

    private let credentials: LoginRequest
    private let origins: LoginOrigins
    private let run: LoginRun
    private let pages: Auth0Pages

    package init(_ credentials: LoginRequest, origins: LoginOrigins, transport: FlowTransport,
                jar: CookieJar = CookieJar()) {
        self.credentials = credentials
        self.origins = origins
        run = LoginRun(flow: "platform", transport: transport, jar: jar)
        pages = Auth0Pages(run: run, auth: origins.auth)
    }

    private var callbackURL: FlowURL { FlowURL(origins.platformWeb, "/auth/callback") }

    package func start(_ completion: @escaping (Result<FlowResponse, ProxyError>) -> Void) {
        run.start(completion)
        logout()
    }

    package func cancel() { run.cancel() }

    /// Ends any auth0 session first, as the web app does; whatever happens, the login goes on.
    private func logout() {
        run.enter("logout")
        let query = FormEncoding.query([("returnTo", FlowURL(origins.platformWeb, "/loggedout").text),
                                        ("client_id", Self.clientID)])
        let request = FlowRequest("GET", FlowURL(origins.auth, "/v2/logout", query: query), kind: .navigation)
        run.session.send(request) { [self] _ in authorize() }
    }

    private func authorize() {
        run.enter("authorize")
        let query = FormEncoding.query([
            ("client_id", Self.clientID), ("audience", Self.audience), ("redirect_uri", callbackURL.text),
            ("scope", "openid profile email offline_access"), ("response_type", "code"),
        ])
        let request = FlowRequest("GET", FlowURL(origins.auth, "/authorize", query: query), kind: .navigation)
        run.send(request, redirects: .follow) { [self] exchange in
            guard let state = exchange.url.queryValue("state"), !state.isEmpty else {
                return run.unexpected(exchange, missing: "a state in its final URL")
            }
            pages.identifier(state: state, username: credentials.username) { [self] in
                pages.password(state: state, credentials: credentials) { [self] in toCallback($0) }
            }
        }
    }

    /// Follows auth0's redirects to the app's callback, whatever the callback page answers.
    private func toCallback(_ url: FlowURL) {
        run.enter("callback")
        run.send(FlowRequest("GET", url, kind: .navigation), redirects: .follow(stopBefore: Auth0Pages.isTwoFactorChallenge)) {
            [self] exchange in
            if let location = exchange.location, Auth0Pages.isTwoFactorChallenge(location) {
                return run.fail(400, LoginRun.twoFactor)
            }
            let callback = callbackURL
            guard exchange.url.isSameOrigin(callback), exchange.url.path == callback.path,
                  let code = exchange.url.queryValue("code"), !code.isEmpty else {
                return run.unexpected(exchange, missing: "a redirect to the callback with a code")
            }
            token(code: code)
        }
    }

    private func token(code: String) {
        run.enter("token")
        let body = JSONObjectText.strings([
            ("client_id", Self.clientID), ("grant_type", "authorization_code"), ("code", code),
            ("redirect_uri", callbackURL.text),
        ])
        let request = FlowRequest("POST", FlowURL(origins.auth, "/oauth/token"), kind: .api,
                                  fields: [HTTPField("content-type", "application/json")], body: body)
        run.send(request) { [self] exchange in
            guard let accessToken = run.jsonString("access_token", in: exchange) else { return }
            dashboard(accessToken: accessToken)
        }
    }

    private func dashboard(accessToken: String) {
        run.enter("dashboard")
        let request = FlowRequest("POST", FlowURL(origins.platform, "/dashboard/onboarding/login"), kind: .api,
                                  fields: [HTTPField("content-type", "application/json"),
                                           HTTPField("authorization", "Bearer " + accessToken)],
                                  body: Array("{}".utf8))
        run.send(request, passing429: true) { [self] exchange in run.finish(.success(exchange.response)) }
    }
}

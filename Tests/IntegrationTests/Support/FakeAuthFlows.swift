import Foundation

/// The ChatGPT (next-auth), auth0 and platform hosts' side of both login flows, with real cookies and
/// redirects. Every request is recorded; anything a correct client would not send (a wrong form field
/// or order, a missing cookie, a cookie of another login or another host) is noted in `violations`
/// and refused with 403, so the flows fail loudly instead of passing by accident. Thread-safe.
final class FakeAuthFlows: @unchecked Sendable {
    struct Account {
        let password: String
        var twoFactor = false
        var rateLimited = false
        /// A wrong password answers 400 without the `#prompt-alert` element.
        var noAlert = false
    }

    static let accounts: [String: Account] = [
        "ok@example.com": Account(password: "correct horse+battery&staple=é"),
        "second@example.com": Account(password: "second p@ss"),
        "twofa@example.com": Account(password: "twofa pass", twoFactor: true),
        "limited@example.com": Account(password: "limited pass", rateLimited: true),
        "noalert@example.com": Account(password: "noalert pass", noAlert: true),
    ]
    static let wrongPasswordAlert = "Wrong email or password."
    static let rateLimitDetail = "Too many requests for this account, slow down."
    static let platformClientID = "DRivsnm2Mu42T3KOpqdtwB3NYviHYzwD"
    static let chatgptClientID = "chatgpt-web"
    static let identifierFields = ["state", "username", "js-available", "webauthn-available", "is-brave",
                                   "webauthn-platform-available", "action"]

    /// One auth0 authorization (a `state`), from /authorize to its code.
    private struct Transaction {
        let sid: String
        let clientID: String
        let redirectURI: String
        /// The client's own state (next-auth's), returned with the code.
        let clientState: String?
        var username: String?
        var passwordAccepted = false
        var code: String?
        var codeUsed = false
    }

    let port: Int
    private let lock = NSLock()
    private var recorded: [FakeAuthRequest] = []
    private var noted: [String] = []
    private var secrets: [String] = []
    private var transactions: [String: Transaction] = [:]
    /// next-auth: csrf token → the sign-in state it started; session token → (email, csrf token).
    private var chatStates: [String: String] = [:]
    private var chatSessions: [String: (email: String, csrf: String)] = [:]
    private var platformTokens: [String: String] = [:]

    init(port: Int) { self.port = port }

    func origin(_ host: String) -> String { "https://\(host):\(port)" }

    var requests: [FakeAuthRequest] { lock.withLock { recorded } }
    var violations: [String] { lock.withLock { noted } }
    /// Every token, code and session the fake handed out: none may appear in proxyd's log.
    var issuedSecrets: [String] { lock.withLock { secrets } }

    func answer(_ request: FakeAuthRequest) -> FakeAuthResponse {
        lock.withLock {
            recorded.append(request)
            checkCookieHosts(request)
            switch request.host {
            case "chatgpt.test": return chatgpt(request)
            case "auth.test": return auth(request)
            case "platform.test": return platform(request)
            case "platform-web.test":
                return request.path == "/auth/callback" ? .html(200, "<html>signing in…</html>") : .html(404, "not found")
            default: return .html(421, "unknown host \(request.host)")
            }
        }
    }

    // MARK: helpers (called with the lock held)

    private func refuse(_ request: FakeAuthRequest, _ problem: String) -> FakeAuthResponse {
        noted.append("\(request.method) \(request.host)\(request.path): \(problem)")
        return .json(403, ["error": "fake refused: \(problem)"])
    }

    private func issue(_ prefix: String) -> String {
        let value = prefix + "-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        secrets.append(value)
        return value
    }

    /// Cookies are host-only here, so another host's cookie in a request means the client leaked it.
    private func checkCookieHosts(_ request: FakeAuthRequest) {
        let owners = ["auth0": "auth.test", "__Host-next-auth.csrf-token": "chatgpt.test",
                      "__Secure-next-auth.callback-url": "chatgpt.test", "__Secure-next-auth.session-token": "chatgpt.test"]
        for name in request.cookies.keys {
            if let owner = owners[name], owner != request.host {
                noted.append("cookie \(name) of \(owner) sent to \(request.host)")
            }
        }
    }

    private func checkForm(_ request: FakeAuthRequest, names: [String]) -> String? {
        if request.header("content-type") != "application/x-www-form-urlencoded" { return "not a urlencoded form" }
        let got = request.form.map(\.0)
        return got == names ? nil : "form fields \(got), expected \(names)"
    }

    private func value(_ request: FakeAuthRequest, _ name: String) -> String? {
        request.form.first { $0.0 == name }?.1
    }

    // MARK: chatgpt.test (next-auth)

    private func chatgpt(_ request: FakeAuthRequest) -> FakeAuthResponse {
        let csrfCookie = request.cookies["__Host-next-auth.csrf-token"].map { String($0.prefix { $0 != "%" }) }
        switch (request.method, request.path) {
        case ("GET", "/api/auth/csrf"):
            let token = csrfCookie ?? issue("csrf")
            return .json(200, ["csrfToken": token], headers: [
                ("set-cookie", "__Host-next-auth.csrf-token=\(token)%7Chash; Path=/; Secure; HttpOnly; SameSite=Lax"),
            ])
        case ("POST", "/api/auth/signin/auth0"):
            if let problem = checkForm(request, names: ["callbackUrl", "csrfToken", "json"]) { return refuse(request, problem) }
            guard request.query["prompt"] == "login", value(request, "callbackUrl") == "/",
                  value(request, "json") == "true" else { return refuse(request, "sign-in parameters") }
            guard let token = csrfCookie, value(request, "csrfToken") == token else {
                return refuse(request, "csrf token does not match its cookie")
            }
            let state = issue("nextauth-state")
            chatStates[token] = state
            let callback = origin("chatgpt.test") + "/api/auth/callback/auth0"
            var components = URLComponents(string: origin("auth.test") + "/authorize")!
            components.queryItems = [URLQueryItem(name: "client_id", value: Self.chatgptClientID),
                                     URLQueryItem(name: "redirect_uri", value: callback),
                                     URLQueryItem(name: "response_type", value: "code"),
                                     URLQueryItem(name: "state", value: state), URLQueryItem(name: "prompt", value: "login")]
            return .json(200, ["url": components.string!], headers: [
                ("set-cookie", "__Secure-next-auth.callback-url=https%3A%2F%2Fchatgpt.test; Path=/; Secure; HttpOnly"),
            ])
        case ("GET", "/api/auth/callback/auth0"):
            guard let code = request.query["code"],
                  let (state, transaction) = transactions.first(where: { $0.value.code == code }),
                  !transaction.codeUsed, let username = transaction.username else {
                return refuse(request, "unknown or used code")
            }
            transactions[state]?.codeUsed = true
            guard let token = csrfCookie, chatStates[token] == request.query["state"],
                  transaction.clientState == request.query["state"] else {
                return refuse(request, "callback without the csrf cookie of the login that started it")
            }
            let session = issue("session")
            chatSessions[session] = (username, token)
            return .redirect(origin("chatgpt.test") + "/", headers: [
                ("set-cookie", "__Secure-next-auth.session-token=\(session); Path=/; Secure; HttpOnly; SameSite=Lax"),
            ])
        case ("GET", "/api/auth/session"):
            guard let session = request.cookies["__Secure-next-auth.session-token"] else { return .json(200, [:]) }
            guard let owner = chatSessions[session], owner.csrf == csrfCookie else {
                return refuse(request, "session cookie of another login")
            }
            if Self.accounts[owner.email]?.rateLimited == true {
                return .json(429, ["detail": Self.rateLimitDetail])
            }
            return .json(200, ["user": ["email": owner.email], "expires": "2030-01-01T00:00:00.000Z",
                               "accessToken": issue("access-\(owner.email)")])
        default:
            return .html(404, "not found")
        }
    }

    // MARK: auth.test (auth0)

    private func auth(_ request: FakeAuthRequest) -> FakeAuthResponse {
        let state = request.query["state"] ?? ""
        let transaction = transactions[state]
        switch (request.method, request.path) {
        case ("GET", "/v2/logout"):
            return .redirect(request.query["returnTo"] ?? "/", headers: [("set-cookie", "auth0=; Max-Age=0; Path=/")])
        case ("GET", "/authorize"):
            return authorize(request)
        case ("POST", "/oauth/token"):
            return token(request)
        default:
            break
        }
        guard let transaction else { return refuse(request, "unknown state") }
        guard request.cookies["auth0"] == transaction.sid else {
            return refuse(request, "auth0 cookie of another login or none")
        }
        switch (request.method, request.path) {
        case ("GET", "/u/login/identifier"):
            return .html(200, "<form method=\"POST\"><input value=\"\(state.replacingOccurrences(of: "&", with: "&amp;"))\" "
                         + "type=\"hidden\" name='state'><input name=\"username\"></form>")
        case ("POST", "/u/login/identifier"):
            if let problem = checkForm(request, names: Self.identifierFields) { return refuse(request, problem) }
            let expected = ["state": state, "js-available": "true", "webauthn-available": "true", "is-brave": "false",
                            "webauthn-platform-available": "false", "action": "default"]
            for (name, value) in expected where self.value(request, name) != value {
                return refuse(request, "identifier field \(name)")
            }
            guard let username = value(request, "username"), Self.accounts[username] != nil else {
                return .html(400, "<div id=\"error-element-username\">Email is not valid.</div>")
            }
            transactions[state]?.username = username
            // Relative on purpose: clients must resolve it against the identifier page.
            return .redirect("password?state=\(urlEncoded(state))")
        case ("GET", "/u/login/password"):
            return .html(200, "<form method=\"POST\"><input type=\"password\" name=\"password\"></form>")
        case ("POST", "/u/login/password"):
            if let problem = checkForm(request, names: ["state", "username", "password", "action"]) {
                return refuse(request, problem)
            }
            guard value(request, "state") == state, value(request, "action") == "default",
                  let username = transaction.username, value(request, "username") == username,
                  let account = Self.accounts[username] else { return refuse(request, "password fields") }
            guard value(request, "password") == account.password else {
                return .html(400, account.noAlert ? "<p>try again</p>"
                    : "<div class=\"c\"><div id=\"prompt-alert\" data-x=\"1\"><p>Wrong email or password&#46;</p></div></div>")
            }
            transactions[state]?.passwordAccepted = true
            return .redirect("/authorize/resume?state=\(urlEncoded(state))")
        case ("GET", "/authorize/resume"):
            guard transaction.passwordAccepted, let username = transaction.username else {
                return refuse(request, "resume before the password")
            }
            if Self.accounts[username]?.twoFactor == true { return .redirect("/u/mfa-otp-challenge?state=\(urlEncoded(state))") }
            let code = issue("code")
            transactions[state]?.code = code
            var components = URLComponents(string: transaction.redirectURI)!
            components.queryItems = [URLQueryItem(name: "code", value: code)]
                + (transaction.clientState.map { [URLQueryItem(name: "state", value: $0)] } ?? [])
            return .redirect(components.string!)
        default:
            return .html(404, "not found")
        }
    }

    private func authorize(_ request: FakeAuthRequest) -> FakeAuthResponse {
        let query = request.query
        guard let clientID = query["client_id"], let redirectURI = query["redirect_uri"], query["response_type"] == "code"
        else { return refuse(request, "authorize parameters") }
        switch clientID {
        case Self.chatgptClientID:
            guard redirectURI == origin("chatgpt.test") + "/api/auth/callback/auth0", query["state"] != nil else {
                return refuse(request, "chatgpt authorize parameters")
            }
        case Self.platformClientID:
            guard redirectURI == origin("platform-web.test") + "/auth/callback",
                  query["audience"] == "https://api.openai.com/v1",
                  query["scope"] == "openid profile email offline_access" else {
                return refuse(request, "platform authorize parameters")
            }
        default:
            return refuse(request, "unknown client")
        }
        let sid = issue("sid")
        // `&` in the state exercises entity decoding in the page and escaping in forms and URLs.
        let state = issue("st&x")
        transactions[state] = Transaction(sid: sid, clientID: clientID, redirectURI: redirectURI,
                                          clientState: query["state"])
        return .redirect("/u/login/identifier?state=\(urlEncoded(state))",
                         headers: [("set-cookie", "auth0=\(sid); Path=/; Secure; HttpOnly; SameSite=None")])
    }

    private func token(_ request: FakeAuthRequest) -> FakeAuthResponse {
        guard request.header("content-type")?.hasPrefix("application/json") == true, let body = request.jsonBody,
              body["client_id"] as? String == Self.platformClientID,
              body["grant_type"] as? String == "authorization_code",
              let code = body["code"] as? String, let redirectURI = body["redirect_uri"] as? String,
              Set(body.keys) == ["client_id", "grant_type", "code", "redirect_uri"] else {
            return refuse(request, "token request body")
        }
        guard let (state, transaction) = transactions.first(where: { $0.value.code == code }), !transaction.codeUsed,
              transaction.redirectURI == redirectURI, let username = transaction.username else {
            return .json(403, ["error": "invalid_grant"])
        }
        transactions[state]?.codeUsed = true
        let accessToken = issue("platform-access")
        platformTokens[accessToken] = username
        return .json(200, ["access_token": accessToken, "token_type": "Bearer", "expires_in": 86400])
    }

    // MARK: platform.test

    private func platform(_ request: FakeAuthRequest) -> FakeAuthResponse {
        guard request.method == "POST", request.path == "/dashboard/onboarding/login" else { return .html(404, "not found") }
        guard let authorization = request.header("authorization"), authorization.hasPrefix("Bearer "),
              let email = platformTokens[String(authorization.dropFirst(7))] else {
            return .json(401, ["error": ["message": "invalid token"]])
        }
        guard String(decoding: request.body, as: UTF8.self) == "{}" else { return refuse(request, "dashboard body") }
        return .json(200, ["object": "login", "user": ["email": email, "session": ["sensitive_id": issue("sess")]]])
    }

    private func urlEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}

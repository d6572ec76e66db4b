import Foundation
import NIOHTTP1
import XCTest

/// proxyd's two login routes against the login fake.
final class LoginTests: ProxydTestCase {
    private static var fake: FakeAuthHosts?

    override class func extraSettings() throws -> [String: String] {
        let fake = try FakeAuthHosts(pki: try TestPKI.shared.get())
        Self.fake = fake
        return fake.settings
    }

    override class func tearDown() {
        super.tearDown()
        fake?.shutdown()
        fake = nil
    }

    private var flows: FakeAuthFlows {
        guard let fake = Self.fake else { fatalError("class setUp did not start the login fake") }
        return fake.flows
    }

    override func tearDown() {
        XCTAssertEqual(flows.violations, [], "the fake saw requests a correct client would not send")
        super.tearDown()
    }

    private func login(_ route: String, _ username: String, _ password: String?) throws -> RawResponse {
        let body = (try? JSONSerialization.data(withJSONObject: ["username": username, "password": password as Any]
            .compactMapValues { $0 })) ?? Data()
        return try request("POST", route, headers: [("Content-Type", "application/json")], body: Array(body), timeout: 30)
    }

    private func password(_ email: String) -> String { FakeAuthFlows.accounts[email]?.password ?? "" }

    func testChatGPTLoginAnswersTheSession() throws {
        let response = try login("/chatgpt/login", "ok@example.com", password("ok@example.com"))
        XCTAssertEqual(response.status, 200, response.bodyText)
        let json = try XCTUnwrap(jsonObject(response))
        XCTAssertTrue((json["accessToken"] as? String)?.hasPrefix("access-ok@example.com") == true, response.bodyText)
        XCTAssertEqual((json["user"] as? [String: Any])?["email"] as? String, "ok@example.com")
        let paths = flows.requests.suffix(11).map { "\($0.method) \($0.host)\($0.path)" }
        XCTAssertEqual(paths.last, "GET chatgpt.test/api/auth/session")
    }

    func testPlatformLoginAnswersTheDashboardLogin() throws {
        let response = try login("/platform/login", "second@example.com", password("second@example.com"))
        XCTAssertEqual(response.status, 200, response.bodyText)
        let user = try XCTUnwrap(jsonObject(response)?["user"] as? [String: Any])
        XCTAssertEqual(user["email"] as? String, "second@example.com")
        XCTAssertNotNil((user["session"] as? [String: Any])?["sensitive_id"] as? String)
    }

    func testWrongEmail() throws {
        for route in ["/chatgpt/login", "/platform/login"] {
            assertProxydError(try login(route, "nobody@example.com", "x"), status: 400, messageContains: ["Email is not valid."])
        }
    }

    func testWrongPasswordWithAndWithoutThePromptAlert() throws {
        for route in ["/chatgpt/login", "/platform/login"] {
            let alert = try login(route, "ok@example.com", "wrong")
            assertProxydError(alert, status: 400)
            XCTAssertEqual(jsonObject(alert)?["errorMessage"] as? String, FakeAuthFlows.wrongPasswordAlert)
            let plain = try login(route, "noalert@example.com", "wrong")
            XCTAssertEqual(jsonObject(plain)?["errorMessage"] as? String, "Email or password is not correct.")
        }
    }

    func testTwoFactorAccount() throws {
        for route in ["/chatgpt/login", "/platform/login"] {
            let response = try login(route, "twofa@example.com", password("twofa@example.com"))
            assertProxydError(response, status: 400)
            XCTAssertEqual(jsonObject(response)?["errorMessage"] as? String,
                           "Login with two-factor authentication enabled is not supported currently.")
        }
    }

    func testRateLimitedSessionAnswersItsDetail() throws {
        let response = try login("/chatgpt/login", "limited@example.com", password("limited@example.com"))
        assertProxydError(response, status: 429)
        XCTAssertEqual(jsonObject(response)?["errorMessage"] as? String, FakeAuthFlows.rateLimitDetail)
    }

    func testConcurrentLoginsNeverShareCookies() throws {
        let users = ["ok@example.com", "second@example.com"]
        let results = NSMutableArray()
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let user = users[index % 2]
            let route = index % 4 < 2 ? "/chatgpt/login" : "/platform/login"
            let response = try? login(route, user, password(user))
            let email = response.flatMap { jsonObject($0)?["user"] as? [String: Any] }?["email"] as? String
            results.add("\(route) \(user) -> \(response?.status ?? 0) \(email ?? "?")")
        }
        for case let line as String in results {
            let parts = line.split(separator: " ")
            XCTAssertEqual(parts[3], "200", line)
            XCTAssertEqual(parts[1], parts[4], line)
        }
        XCTAssertEqual(results.count, 8)
    }

    func testNoPasswordOrTokenInTheDebugLog() throws {
        XCTAssertEqual(try login("/chatgpt/login", "ok@example.com", password("ok@example.com")).status, 200)
        XCTAssertEqual(try login("/platform/login", "ok@example.com", password("ok@example.com")).status, 200)
        XCTAssertEqual(try login("/chatgpt/login", "ok@example.com", "wrong-secret-pw").status, 400)
        // Logins that got nowhere would leave nothing to find: tokens and cookies must have been issued.
        XCTAssertFalse(flows.issuedSecrets.isEmpty)
        let log = env.proxyd.log
        XCTAssertFalse(log.isEmpty)
        for secret in FakeAuthFlows.accounts.values.map(\.password) + ["wrong-secret-pw"] + flows.issuedSecrets {
            XCTAssertFalse(log.contains(secret), "the log shows \(secret)")
            // As a form or a query would carry it.
            for encoded in [secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics),
                            secret.replacingOccurrences(of: " ", with: "+")].compactMap({ $0 }) where encoded != secret {
                XCTAssertFalse(log.contains(encoded), "the log shows \(secret) encoded")
            }
        }
    }

    func testBadBodiesAre400WithoutAnyUpstreamRequest() throws {
        let before = flows.requests.count
        let bodies: [String] = ["", "not json", "[1]", "{}", #"{"username":"ok@example.com"}"#,
                                #"{"username":"ok@example.com","password":7}"#,
                                #"{"username":"ok@example.com","password":"x","pad":""# + String(repeating: "a", count: 70_000) + "\"}"]
        for route in ["/chatgpt/login", "/platform/login"] {
            for body in bodies {
                let response = try request("POST", route, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
                assertProxydError(response, status: 400)
            }
        }
        XCTAssertEqual(flows.requests.count, before)
    }

    /// With an upstream proxy configured, every step of both logins reaches the hosts from the proxy's
    /// process, never from proxyd's.
    func testEveryStepGoesThroughTheSOCKS5Proxy() throws {
        let socks = try ProxyDaemon(.microsocks(username: "login", password: "p@ss"))
        defer { socks.stop() }
        let fake = try XCTUnwrap(Self.fake)
        let proxyd = try ProxydProcess(settings: ProxydProcess.baseSettings(pki: env.pki).merging(fake.settings) { $1 }
            .merging(["PROXYD_UPSTREAM_PROXY": "socks5://login:p%40ss@127.0.0.1:\(socks.port)"]) { $1 })
        defer { _ = proxyd.stop() }
        let before = flows.requests.count
        for route in ["/chatgpt/login", "/platform/login"] {
            let connection = try RawHTTPConnection(port: proxyd.port, timeout: 30)
            let body = Array(#"{"username":"ok@example.com","password":"\#(password("ok@example.com"))"}"#.utf8)
            try connection.send(RequestBuilder.build("POST", route, headers: [("Content-Type", "application/json")], body: body))
            XCTAssertEqual(try connection.readResponse(method: "POST").status, 200, route)
        }
        let steps = flows.requests.dropFirst(before)
        XCTAssertGreaterThan(steps.count, 10)
        XCTAssertEqual(Set(steps.map(\.senderPID)), [socks.pid], "every step came from microsocks")
    }

    /// PROXYD_LOGIN_TIMEOUT bounds the whole login: an upstream that never answers ends it with a 504 naming
    /// the step, long before the upstream timeout.
    func testLoginDeadlineNamesTheStep() throws {
        let silent = try SilentListener()
        let proxyd = try ProxydProcess(settings: ProxydProcess.baseSettings(pki: env.pki).merging([
            "PROXYD_CHATGPT_URL": "https://127.0.0.1:\(silent.port)", "PROXYD_LOGIN_TIMEOUT": "1",
        ]) { $1 })
        defer { _ = proxyd.stop() }
        let connection = try RawHTTPConnection(port: proxyd.port, timeout: 30)
        let started = Date()
        try connection.send(RequestBuilder.build("POST", "/chatgpt/login", headers: [("Content-Type", "application/json")],
                                                 body: Array(#"{"username":"a@example.com","password":"x"}"#.utf8)))
        assertProxydError(try connection.readResponse(method: "POST"), status: 504, messageContains: ["csrf"])
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }

    /// PROXYD_MAX_LOGINS_PER_WORKER: a login past the bound is answered 503 at once, and the slot comes back.
    func testLoginsPastTheBoundAre503() throws {
        let silent = try SilentListener()
        let proxyd = try ProxydProcess(settings: ProxydProcess.baseSettings(pki: env.pki).merging([
            "PROXYD_CHATGPT_URL": "https://127.0.0.1:\(silent.port)", "PROXYD_LOGIN_TIMEOUT": "2",
            "PROXYD_MAX_LOGINS_PER_WORKER": "1", "PROXYD_WORKERS": "1",
        ]) { $1 })
        defer { _ = proxyd.stop() }
        let body = Array(#"{"username":"a@example.com","password":"x"}"#.utf8)
        let first = try RawHTTPConnection(port: proxyd.port, timeout: 30)
        try first.send(RequestBuilder.build("POST", "/chatgpt/login", headers: [("Content-Type", "application/json")], body: body))
        Thread.sleep(forTimeInterval: 0.3)
        let second = try RawHTTPConnection(port: proxyd.port, timeout: 30)
        try second.send(RequestBuilder.build("POST", "/chatgpt/login", headers: [("Content-Type", "application/json")], body: body))
        assertProxydError(try second.readResponse(method: "POST"), status: 503, messageContains: ["too many logins"])
        assertProxydError(try first.readResponse(method: "POST"), status: 504)
        let third = try RawHTTPConnection(port: proxyd.port, timeout: 30)
        try third.send(RequestBuilder.build("POST", "/chatgpt/login", headers: [("Content-Type", "application/json")], body: body))
        assertProxydError(try third.readResponse(method: "POST"), status: 504, messageContains: ["csrf"])
    }

    func testUnreachableUpstreamIs502() throws {
        let closedPort = try LoopbackSocket.unusedPort()
        let proxyd = try ProxydProcess(settings: ProxydProcess.baseSettings(pki: env.pki).merging([
            "PROXYD_CHATGPT_URL": "https://127.0.0.1:\(closedPort)", "PROXYD_AUTH_URL": "https://127.0.0.1:\(closedPort)",
        ]) { $1 })
        defer { _ = proxyd.stop() }
        let connection = try RawHTTPConnection(port: proxyd.port, timeout: 30)
        let body = Array(#"{"username":"ok@example.com","password":"x"}"#.utf8)
        try connection.send(RequestBuilder.build("POST", "/chatgpt/login", headers: [("Content-Type", "application/json")],
                                                 body: body))
        assertProxydError(try connection.readResponse(method: "POST"), status: 502, messageContains: ["csrf"])
    }
}

/// The login fake checked on its own with a plain client, so a failing LoginTests run can be told
/// apart from a broken fake.
final class FakeAuthSelfTests: XCTestCase {
    private var pki: TestPKI!
    private var fake: FakeAuthHosts!

    override func setUpWithError() throws {
        pki = try TestPKI.shared.get()
        fake = try FakeAuthHosts(pki: pki)
    }

    override func tearDown() {
        fake?.shutdown()
    }

    private func client() throws -> FakeAuthClient { try FakeAuthClient(port: fake.port, trustRoot: pki.trustedCAPath) }

    private func form(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
    }

    private func json(_ response: FakeAuthClient.Response) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]) ?? [:]
    }

    private func resolve(_ location: String?, against url: String) throws -> String {
        let resolved = location.flatMap { URL(string: $0, relativeTo: URL(string: url)) }?.absoluteString
        return try XCTUnwrap(resolved, "no usable Location")
    }

    private let formType = [("content-type", "application/x-www-form-urlencoded")]

    /// From the identifier page URL through the password's redirect; answers that redirect's URL.
    private func signIn(_ browser: FakeAuthClient, identifierURL: String, email: String, password: String) throws
        -> (String, FakeAuthClient.Response) {
        let state = try XCTUnwrap(URLComponents(string: identifierURL)?.queryItems?.first { $0.name == "state" }?.value)
        let page = try browser.send(.GET, identifierURL)
        XCTAssertTrue(page.text.contains("&amp;"), "the state's & is an entity in the page")
        let identifier = try browser.send(.POST, identifierURL, headers: formType, body: form([
            ("state", state), ("username", email), ("js-available", "true"), ("webauthn-available", "true"),
            ("is-brave", "false"), ("webauthn-platform-available", "false"), ("action", "default"),
        ]))
        XCTAssertEqual(identifier.status, 302)
        let passwordURL = try resolve(identifier.header("location"), against: identifierURL)
        XCTAssertEqual(try browser.send(.GET, passwordURL).status, 200)
        let answer = try browser.send(.POST, passwordURL, headers: formType, body: form([
            ("state", state), ("username", email), ("password", password), ("action", "default"),
        ]))
        return (passwordURL, answer)
    }

    private func chatgptLogin(_ browser: FakeAuthClient, email: String) throws -> FakeAuthClient.Response {
        let chat = fake.flows.origin("chatgpt.test")
        let csrf = try XCTUnwrap(json(try browser.send(.GET, chat + "/api/auth/csrf"))["csrfToken"] as? String)
        let signin = try browser.send(.POST, chat + "/api/auth/signin/auth0?prompt=login", headers: formType,
                                      body: form([("callbackUrl", "/"), ("csrfToken", csrf), ("json", "true")]))
        let authorizeURL = try XCTUnwrap(json(signin)["url"] as? String, signin.text)
        let authorize = try browser.send(.GET, authorizeURL)
        let identifierURL = try resolve(authorize.header("location"), against: authorizeURL)
        let (passwordURL, password) = try signIn(browser, identifierURL: identifierURL, email: email,
                                                 password: FakeAuthFlows.accounts[email]?.password ?? "")
        XCTAssertEqual(password.status, 302, password.text)
        let resumeURL = try resolve(password.header("location"), against: passwordURL)
        let resume = try browser.send(.GET, resumeURL)
        let callbackURL = try resolve(resume.header("location"), against: resumeURL)
        if callbackURL.contains("mfa-otp-challenge") { return resume }
        XCTAssertEqual(try browser.send(.GET, callbackURL).status, 302)
        return try browser.send(.GET, chat + "/api/auth/session")
    }

    func testChatGPTFlowWithAPlainClient() throws {
        let session = try chatgptLogin(try client(), email: "ok@example.com")
        XCTAssertEqual(session.status, 200)
        XCTAssertTrue((json(session)["accessToken"] as? String)?.hasPrefix("access-ok@example.com") == true, session.text)
        XCTAssertEqual(fake.flows.violations, [])
    }

    func testChatGPTFlowErrorAnswers() throws {
        let twoFactor = try chatgptLogin(try client(), email: "twofa@example.com")
        XCTAssertTrue(twoFactor.header("location")?.hasPrefix("/u/mfa-otp-challenge") == true)
        let limited = try chatgptLogin(try client(), email: "limited@example.com")
        XCTAssertEqual(limited.status, 429)
        XCTAssertEqual(json(limited)["detail"] as? String, FakeAuthFlows.rateLimitDetail)
        XCTAssertEqual(fake.flows.violations, [])
    }

    func testPlatformFlowWithAPlainClient() throws {
        let browser = try client()
        let auth = fake.flows.origin("auth.test"), web = fake.flows.origin("platform-web.test")
        var components = URLComponents(string: auth + "/authorize")!
        components.queryItems = [
            URLQueryItem(name: "client_id", value: FakeAuthFlows.platformClientID),
            URLQueryItem(name: "audience", value: "https://api.openai.com/v1"),
            URLQueryItem(name: "redirect_uri", value: web + "/auth/callback"),
            URLQueryItem(name: "scope", value: "openid profile email offline_access"),
            URLQueryItem(name: "response_type", value: "code"),
        ]
        let authorizeURL = try XCTUnwrap(components.string)
        let authorize = try browser.send(.GET, authorizeURL)
        let identifierURL = try resolve(authorize.header("location"), against: authorizeURL)

        XCTAssertEqual(try client().send(.GET, identifierURL).status, 403, "another browser has no cookie of this login")
        XCTAssertEqual(fake.flows.violations.count, 1)

        let (passwordURL, password) = try signIn(browser, identifierURL: identifierURL, email: "ok@example.com",
                                                 password: "wrong")
        XCTAssertEqual(password.status, 400)
        XCTAssertTrue(password.text.contains("prompt-alert"))
        let (_, right) = try signIn(browser, identifierURL: identifierURL, email: "ok@example.com",
                                    password: FakeAuthFlows.accounts["ok@example.com"]?.password ?? "")
        let resumeURL = try resolve(right.header("location"), against: passwordURL)
        let resume = try browser.send(.GET, resumeURL)
        let callbackURL = try resolve(resume.header("location"), against: resumeURL)
        XCTAssertTrue(callbackURL.hasPrefix(web + "/auth/callback?code="), callbackURL)
        XCTAssertEqual(try browser.send(.GET, callbackURL).status, 200)
        let code = try XCTUnwrap(URLComponents(string: callbackURL)?.queryItems?.first { $0.name == "code" }?.value)
        let tokenBody = try JSONSerialization.data(withJSONObject: [
            "client_id": FakeAuthFlows.platformClientID, "grant_type": "authorization_code", "code": code,
            "redirect_uri": web + "/auth/callback",
        ])
        let token = try browser.send(.POST, auth + "/oauth/token", headers: [("content-type", "application/json")],
                                     body: String(decoding: tokenBody, as: UTF8.self))
        let accessToken = try XCTUnwrap(json(token)["access_token"] as? String, token.text)
        let dashboard = try browser.send(.POST, fake.flows.origin("platform.test") + "/dashboard/onboarding/login",
                                         headers: [("authorization", "Bearer \(accessToken)"),
                                                   ("content-type", "application/json")], body: "{}")
        XCTAssertEqual(dashboard.status, 200, dashboard.text)
        XCTAssertEqual((json(dashboard)["user"] as? [String: Any])?["email"] as? String, "ok@example.com")
        XCTAssertEqual(fake.flows.violations.count, 1, "only the deliberate foreign-browser request")
    }
}

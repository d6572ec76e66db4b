@testable import ProxyCore
import XCTest

/// A transport that answers from a script, checking each request against the step it expects.
final class ScriptedTransport: FlowTransport {
    struct Step {
        var method: String
        var url: String
        var kind: FlowRequest.Kind
        var answer: Result<FlowResponse, ProxyError>
        /// Form fields or JSON text the body must be, byte for byte; nil: not checked.
        var body: String?
        /// The Cookie field expected; nil: none may be sent.
        var cookie: String?
        var check: ((FlowRequest) -> Void)?
    }

    var steps: [Step]
    private(set) var sent: [FlowRequest] = []
    /// Completions of requests the script leaves unanswered (`answer` of status 0).
    private(set) var held: [(Result<FlowResponse, ProxyError>) -> Void] = []
    private let file: StaticString
    private let line: UInt

    init(_ steps: [Step], file: StaticString = #filePath, line: UInt = #line) {
        self.steps = steps
        self.file = file
        self.line = line
    }

    func send(_ request: FlowRequest, completion: @escaping (Result<FlowResponse, ProxyError>) -> Void) {
        sent.append(request)
        guard !steps.isEmpty else {
            XCTFail("unexpected request \(request.method) \(request.url.text)", file: file, line: line)
            return completion(.failure(ProxyError(599, "script exhausted")))
        }
        let step = steps.removeFirst()
        let name = "request \(sent.count) (\(step.method) \(step.url))"
        XCTAssertEqual(request.method, step.method, name, file: file, line: line)
        XCTAssertEqual(request.url.text, step.url, name, file: file, line: line)
        XCTAssertEqual(request.kind, step.kind, name, file: file, line: line)
        XCTAssertEqual(request.value(of: "cookie"), step.cookie, "cookies of \(name)", file: file, line: line)
        if let body = step.body {
            XCTAssertEqual(String(decoding: request.body, as: UTF8.self), body, "body of \(name)", file: file, line: line)
        }
        step.check?(request)
        if case .success(let response) = step.answer, response.status == 0 {
            held.append(completion)
            return
        }
        completion(step.answer)
    }
}

func flowResponse(_ status: Int, _ fields: [(String, String)] = [], _ body: String = "") -> Result<FlowResponse, ProxyError> {
    .success(FlowResponse(status: status, fields: fields.map { HTTPField($0.0, $0.1) }, body: Array(body.utf8)))
}

/// Runs a flow to its completion, which the scripted transport makes synchronous.
func runLogin(_ flow: LoginFlow, file: StaticString = #filePath, line: UInt = #line) -> Result<FlowResponse, ProxyError>? {
    var results: [Result<FlowResponse, ProxyError>] = []
    flow.start { results.append($0) }
    XCTAssertLessThanOrEqual(results.count, 1, "completion called more than once", file: file, line: line)
    return results.first
}

let testOrigins = LoginOrigins(chatgpt: UpstreamOrigin(url: "https://chat.test")!, auth: UpstreamOrigin(url: "https://auth.test")!,
                               platform: UpstreamOrigin(url: "https://api.test")!, platformWeb: UpstreamOrigin(url: "https://web.test")!)

/// Runs `steps` cut after `index`, whose answer is replaced: the login must reach that step, and any
/// error it gives must not show the credentials or any of `secrets`.
func runLogin(_ steps: [ScriptedTransport.Step], failingAt index: Int, with answer: Result<FlowResponse, ProxyError>,
              secrets: [String], file: StaticString = #filePath, line: UInt = #line,
              _ make: (FlowTransport) -> LoginFlow) -> Result<FlowResponse, ProxyError>? {
    var steps = Array(steps.prefix(index + 1))
    steps[index].answer = answer
    let transport = ScriptedTransport(steps, file: file, line: line)
    let result = runLogin(make(transport), file: file, line: line)
    XCTAssertTrue(transport.steps.isEmpty, "the login stopped before request \(index + 1)", file: file, line: line)
    if case .failure(let error)? = result {
        for secret in secrets + [testCredentials.password, encodedPassword] {
            XCTAssertFalse(error.message.contains(secret), error.message, file: file, line: line)
        }
    }
    return result
}

/// Credentials with every character form encoding must escape; no error message may contain them.
let testCredentials = LoginRequest(username: "u+1@example.com", password: "p@ss w+rd&=é")
let encodedUsername = "u%2B1%40example.com"
let encodedPassword = "p%40ss+w%2Brd%26%3D%C3%A9"

/// The auth0 pages both flows share, from the first identifier page to the password's redirect.
func auth0Steps(state: String, encodedState: String, pageCookie: String) -> [ScriptedTransport.Step] {
    let identifierPage = "https://auth.test/u/login/identifier?state=\(encodedState)"
    let passwordPage = "https://auth.test/u/login/password?state=\(encodedState)"
    return [
        .init(method: "POST", url: identifierPage, kind: .navigation,
              answer: flowResponse(302, [("location", "/u/login/password?state=\(encodedState)")]),
              body: "state=\(encodedState)&username=\(encodedUsername)&js-available=true&webauthn-available=true"
                  + "&is-brave=false&webauthn-platform-available=false&action=default",
              cookie: pageCookie, check: { request in
                  XCTAssertEqual(request.value(of: "content-type"), "application/x-www-form-urlencoded")
                  XCTAssertEqual(request.value(of: "origin"), "https://auth.test")
                  XCTAssertTrue(request.value(of: "referer")?.hasPrefix("https://auth.test/u/login/identifier") == true)
              }),
        .init(method: "GET", url: passwordPage, kind: .navigation, answer: flowResponse(200, [], "<html>password</html>"),
              body: "", cookie: pageCookie, check: { request in
                  XCTAssertNil(request.value(of: "content-type"), "a 302 turns the POST into a plain GET")
                  XCTAssertNil(request.value(of: "origin"))
              }),
        .init(method: "POST", url: passwordPage, kind: .navigation,
              answer: flowResponse(302, [("location", "/authorize/resume?state=\(encodedState)")]),
              body: "state=\(encodedState)&username=\(encodedUsername)&password=\(encodedPassword)&action=default",
              cookie: pageCookie),
    ]
}

final class LoginFlowTests: XCTestCase {
    static let csrfCookie = "__Host-next-auth.csrf-token=abc%7Chash"
    static let callbackCookie = "__Secure-next-auth.callback-url=https%3A%2F%2Fchat.test"
    static let sessionJSON = #"{"user":{"email":"u+1@example.com"},"accessToken":"AT-secret","expires":"2030-01-01"}"#

    /// The whole ChatGPT login as the spec describes it; tests cut it short or change one answer.
    static func chatgptSteps() -> [ScriptedTransport.Step] {
        let chatCookies = "\(csrfCookie); \(callbackCookie)"
        return [
            .init(method: "GET", url: "https://chat.test/api/auth/csrf", kind: .api,
                  answer: flowResponse(200, [("content-type", "application/json"),
                                             ("set-cookie", "\(csrfCookie); Path=/; Secure; HttpOnly; SameSite=Lax")],
                                       #"{"csrfToken":"tok\u0031"}"#)),
            .init(method: "POST", url: "https://chat.test/api/auth/signin/auth0?prompt=login", kind: .api,
                  answer: flowResponse(200, [("set-cookie", "\(callbackCookie); Path=/; Secure")],
                                       #"{"url":"https:\/\/auth.test\/authorize?client_id=x&state=A"}"#),
                  body: "callbackUrl=/&csrfToken=tok1&json=true", cookie: csrfCookie, check: { request in
                      XCTAssertEqual(request.value(of: "content-type"), "application/x-www-form-urlencoded")
                  }),
            .init(method: "GET", url: "https://auth.test/authorize?client_id=x&state=A", kind: .navigation,
                  answer: flowResponse(302, [("Location", "/u/login/identifier?state=S1"),
                                             ("Set-Cookie", "auth0=sess1; Path=/; Secure; HttpOnly")]),
                  cookie: nil, check: { XCTAssertNil($0.value(of: "referer"), "the first page load has no referer") }),
            .init(method: "GET", url: "https://auth.test/u/login/identifier?state=S1", kind: .navigation,
                  answer: flowResponse(200, [], #"<form><input value="S1&amp;x" type="hidden" name='state'></form>"#),
                  cookie: "auth0=sess1"),
        ] + auth0Steps(state: "S1&x", encodedState: "S1%26x", pageCookie: "auth0=sess1") + [
            .init(method: "GET", url: "https://auth.test/authorize/resume?state=S1%26x", kind: .navigation,
                  answer: flowResponse(302, [("location", "https://chat.test/api/auth/callback/auth0?code=C&state=A")]),
                  cookie: "auth0=sess1"),
            .init(method: "GET", url: "https://chat.test/api/auth/callback/auth0?code=C&state=A", kind: .navigation,
                  answer: flowResponse(302, [("location", "https://chat.test/"),
                                             ("set-cookie", "__Secure-next-auth.session-token=SESSION; Path=/; Secure")]),
                  cookie: chatCookies, check: { request in
                      XCTAssertEqual(request.value(of: "referer"), "https://auth.test/", "cross-site: origin only")
                  }),
            .init(method: "GET", url: "https://chat.test/api/auth/session", kind: .api,
                  answer: flowResponse(200, [("content-type", "application/json; charset=utf-8")], sessionJSON),
                  cookie: "\(chatCookies); __Secure-next-auth.session-token=SESSION"),
        ]
    }

    static let stepIndex = ["csrf": 0, "signin": 1, "authorize": 2, "identifierPage": 3, "identifier": 4,
                            "passwordPage": 5, "password": 6, "resume": 7, "callback": 8, "session": 9]

    /// The script up to and including `step`, which answers `answer` instead; the login's error.
    private func login(failingAt step: String, with answer: Result<FlowResponse, ProxyError>,
                       file: StaticString = #filePath, line: UInt = #line) -> ProxyError? {
        let result = runLogin(Self.chatgptSteps(), failingAt: Self.stepIndex[step] ?? -1, with: answer,
                              secrets: ["AT-secret", "SESSION", "tok1"], file: file, line: line) {
            ChatGPTLogin(testCredentials, origins: testOrigins, transport: $0)
        }
        guard case .failure(let error)? = result else {
            XCTFail("expected an error, got \(String(describing: result))", file: file, line: line)
            return nil
        }
        return error
    }

    func testChatGPTLoginFollowsTheSpecAndAnswersTheSessionUnchanged() throws {
        let transport = ScriptedTransport(Self.chatgptSteps())
        let result = try XCTUnwrap(runLogin(ChatGPTLogin(testCredentials, origins: testOrigins, transport: transport)))
        let response = try result.get()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), Self.sessionJSON)
        XCTAssertEqual(response.value(of: "content-type"), "application/json; charset=utf-8")
        XCTAssertTrue(transport.steps.isEmpty)
    }

    func testWrongEmail() {
        XCTAssertEqual(login(failingAt: "identifier", with: flowResponse(400, [], "<p>bad</p>")),
                       ProxyError(400, "Email is not valid."))
    }

    func testWrongPasswordTakesThePromptAlertText() {
        let page = #"<div id="prompt-alert" class="c"><p>Wrong email &amp; password</p></div>"#
        XCTAssertEqual(login(failingAt: "password", with: flowResponse(400, [], page)),
                       ProxyError(400, "Wrong email & password"))
    }

    func testWrongPasswordWithoutAnAlert() {
        XCTAssertEqual(login(failingAt: "password", with: flowResponse(400, [], "<p>nothing</p>")),
                       ProxyError(400, "Email or password is not correct."))
    }

    func testTwoFactorAccount() {
        let error = login(failingAt: "resume", with: flowResponse(302, [("location", "/u/mfa-otp-challenge?state=S")]))
        XCTAssertEqual(error, ProxyError(400, "Login with two-factor authentication enabled is not supported currently."))
    }

    func testRateLimitedSessionAnswersItsDetail() {
        let error = login(failingAt: "session", with: flowResponse(429, [], #"{"detail":"Too many requests, slow down"}"#))
        XCTAssertEqual(error, ProxyError(429, "Too many requests, slow down"))
    }

    func testTransportErrorNamesTheStep() {
        let error = login(failingAt: "csrf", with: .failure(ProxyError(502, "upstream DNS lookup failed for chat.test: x")))
        XCTAssertEqual(error, ProxyError(502, "ChatGPT login (csrf): upstream DNS lookup failed for chat.test: x"))
        let timeout = login(failingAt: "callback", with: .failure(ProxyError(504, "upstream timeout")))
        XCTAssertEqual(timeout?.status, 504)
    }

    func testUnexpectedAnswersAre502WithoutBodies() {
        let error = login(failingAt: "csrf", with: flowResponse(200, [], #"{"notTheToken":"AT-secret"}"#))
        XCTAssertEqual(error?.status, 502)
        XCTAssertEqual(login(failingAt: "identifierPage", with: flowResponse(200, [], "<p>no form</p>"))?.status, 502)
        XCTAssertEqual(login(failingAt: "signin", with: flowResponse(200, [], #"{"url":"javascript:x"}"#))?.status, 502)
        XCTAssertEqual(login(failingAt: "callback", with: flowResponse(200))?.status, 502)
    }

    func testRedirectLoopStopsAfterTenHops() {
        var steps = Array(Self.chatgptSteps().prefix(2))
        let loop = "https://auth.test/authorize?client_id=x&state=A"
        for index in 0...10 {
            steps.append(.init(method: "GET", url: loop, kind: .navigation,
                               answer: flowResponse(302, [("location", loop), ("set-cookie", "n=\(index)")]),
                               cookie: index == 0 ? nil : "n=\(index - 1)"))
        }
        let transport = ScriptedTransport(steps)
        let result = runLogin(ChatGPTLogin(testCredentials, origins: testOrigins, transport: transport))
        guard case .failure(let error)? = result else { return XCTFail("a redirect loop must fail") }
        XCTAssertEqual(error.status, 502)
        XCTAssertTrue(error.message.contains("more than 10 redirects"), error.message)
        XCTAssertTrue(transport.steps.isEmpty, "the initial request plus 10 redirects")
    }

    /// A followed redirect may neither drop to plain HTTP nor carry a login form to another origin.
    func testRedirectsThatWouldLeakAreRefused() {
        let session = FlowSession(transport: ScriptedTransport([
            .init(method: "GET", url: "https://auth.test/authorize", kind: .navigation,
                  answer: flowResponse(302, [("location", "http://auth.test/next")])),
            .init(method: "POST", url: "https://auth.test/u/login", kind: .navigation,
                  answer: flowResponse(307, [("location", "https://elsewhere.test/collect")]), body: "password=p"),
        ]), jar: CookieJar())
        var messages: [String] = []
        session.send(FlowRequest("GET", FlowURL("https://auth.test/authorize")!, kind: .navigation), redirects: .follow) {
            if case .failure(let error) = $0 { messages.append(error.message) }
        }
        session.send(FlowRequest("POST", FlowURL("https://auth.test/u/login")!, kind: .navigation,
                                 body: Array("password=p".utf8)), redirects: .follow) {
            if case .failure(let error) = $0 { messages.append(error.message) }
        }
        XCTAssertEqual(messages, ["refused a redirect from auth.test to http://auth.test",
                                  "refused a redirect from auth.test to https://elsewhere.test"])
    }

    func testHugeResponseFails() {
        let huge = String(repeating: "x", count: FlowResponse.maxBodyBytes + 1)
        let error = login(failingAt: "csrf", with: flowResponse(200, [], huge))
        XCTAssertEqual(error?.status, 502)
        XCTAssertTrue(error?.message.contains("larger than") == true)
    }

    func testCancelAnswers504OnceAndIgnoresLateAnswers() {
        var steps = Array(Self.chatgptSteps().prefix(1))
        steps[0].answer = flowResponse(0)
        let transport = ScriptedTransport(steps)
        let login = ChatGPTLogin(testCredentials, origins: testOrigins, transport: transport)
        var results: [Result<FlowResponse, ProxyError>] = []
        login.start { results.append($0) }
        XCTAssertTrue(results.isEmpty)
        login.cancel()
        login.cancel()
        XCTAssertEqual(transport.held.count, 1)
        transport.held.first?(Self.chatgptSteps()[0].answer)
        XCTAssertEqual(results.count, 1)
        guard case .failure(let error)? = results.first else { return XCTFail("cancel must fail the login") }
        XCTAssertEqual(error.status, 504)
        XCTAssertTrue(error.message.contains("csrf"), error.message)
        XCTAssertEqual(transport.sent.count, 1, "no step after a cancel")
    }

    func testEachLoginHasItsOwnCookies() throws {
        let first = ScriptedTransport(Self.chatgptSteps())
        XCTAssertNotNil(try runLogin(ChatGPTLogin(testCredentials, origins: testOrigins, transport: first))?.get())
        // A second login starts with no cookies at all: the script's csrf and authorize steps expect none.
        let second = ScriptedTransport(Self.chatgptSteps())
        XCTAssertNotNil(try runLogin(ChatGPTLogin(testCredentials, origins: testOrigins, transport: second))?.get())
    }
}

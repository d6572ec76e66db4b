@testable import ProxyCore
import XCTest

final class LoginPlatformFlowTests: XCTestCase {
    static let clientID = "DRivsnm2Mu42T3KOpqdtwB3NYviHYzwD"
    static let dashboardJSON = #"{"user":{"session":{"sensitive_id":"sess-secret"}},"object":"login"}"#

    static func platformSteps() -> [ScriptedTransport.Step] {
        let authorize = "https://auth.test/authorize?client_id=\(clientID)&audience=https%3A//api.openai.com/v1"
            + "&redirect_uri=https%3A//web.test/auth/callback&scope=openid%20profile%20email%20offline_access"
            + "&response_type=code"
        return [
            .init(method: "GET", url: "https://auth.test/v2/logout?returnTo=https%3A//web.test/loggedout&client_id=\(clientID)",
                  kind: .navigation, answer: .failure(ProxyError(502, "ignored")), cookie: nil),
            .init(method: "GET", url: authorize, kind: .navigation,
                  answer: flowResponse(302, [("location", "/u/login/identifier?state=P%2B1"),
                                             ("set-cookie", "auth0=ps; Path=/; Secure")]), cookie: nil),
            .init(method: "GET", url: "https://auth.test/u/login/identifier?state=P%2B1", kind: .navigation,
                  answer: flowResponse(200, [], "<html>no state input needed here</html>"), cookie: "auth0=ps"),
        ] + auth0Steps(state: "P+1", encodedState: "P%2B1", pageCookie: "auth0=ps") + [
            .init(method: "GET", url: "https://auth.test/authorize/resume?state=P%2B1", kind: .navigation,
                  answer: flowResponse(302, [("location", "https://web.test/auth/callback?code=CODE1&state=x")]),
                  cookie: "auth0=ps"),
            .init(method: "GET", url: "https://web.test/auth/callback?code=CODE1&state=x", kind: .navigation,
                  answer: flowResponse(404, [], "not found"), cookie: nil),
            .init(method: "POST", url: "https://auth.test/oauth/token", kind: .api,
                  answer: flowResponse(200, [("content-type", "application/json")],
                                       #"{"access_token":"AT2-secret","token_type":"Bearer"}"#),
                  body: #"{"client_id":"\#(clientID)","grant_type":"authorization_code","code":"CODE1","#
                      + #""redirect_uri":"https://web.test/auth/callback"}"#,
                  cookie: "auth0=ps", check: { XCTAssertEqual($0.value(of: "content-type"), "application/json") }),
            .init(method: "POST", url: "https://api.test/dashboard/onboarding/login", kind: .api,
                  answer: flowResponse(200, [("content-type", "application/json")], dashboardJSON),
                  body: "{}", cookie: nil, check: { request in
                      XCTAssertEqual(request.value(of: "authorization"), "Bearer AT2-secret")
                      XCTAssertEqual(request.value(of: "content-type"), "application/json")
                  }),
        ]
    }

    static let stepIndex = ["logout": 0, "authorize": 1, "identifier": 3, "password": 5, "resume": 6, "callback": 7,
                            "token": 8, "dashboard": 9]

    private func login(failingAt step: String, with answer: Result<FlowResponse, ProxyError>,
                       file: StaticString = #filePath, line: UInt = #line) -> Result<FlowResponse, ProxyError>? {
        runLogin(Self.platformSteps(), failingAt: Self.stepIndex[step] ?? -1, with: answer,
                 secrets: ["AT2-secret", "CODE1"], file: file, line: line) {
            PlatformLogin(testCredentials, origins: testOrigins, transport: $0)
        }
    }

    private func error(failingAt step: String, with answer: Result<FlowResponse, ProxyError>,
                       file: StaticString = #filePath, line: UInt = #line) -> ProxyError? {
        guard case .failure(let error)? = login(failingAt: step, with: answer, file: file, line: line) else {
            XCTFail("expected an error", file: file, line: line)
            return nil
        }
        return error
    }

    func testPlatformLoginFollowsTheSpecAndAnswersTheDashboardUnchanged() throws {
        let transport = ScriptedTransport(Self.platformSteps())
        let response = try XCTUnwrap(runLogin(PlatformLogin(testCredentials, origins: testOrigins, transport: transport))).get()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), Self.dashboardJSON)
        XCTAssertTrue(transport.steps.isEmpty)
    }

    func testDashboardAnswersPassThroughWhateverTheirStatus() throws {
        let response = try XCTUnwrap(login(failingAt: "dashboard", with: flowResponse(429, [], #"{"detail":"d"}"#))).get()
        XCTAssertEqual(response.status, 429)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), #"{"detail":"d"}"#)
    }

    func testWrongEmailAndPassword() {
        XCTAssertEqual(error(failingAt: "identifier", with: flowResponse(400)), ProxyError(400, "Email is not valid."))
        XCTAssertEqual(error(failingAt: "password", with: flowResponse(400, [], "<b id=prompt-alert>Nope</b>")),
                       ProxyError(400, "Nope"))
    }

    func testTwoFactorRedirectIsNotFollowed() {
        XCTAssertEqual(error(failingAt: "resume", with: flowResponse(302, [("location", "/u/mfa-otp-challenge?state=x")])),
                       ProxyError(400, "Login with two-factor authentication enabled is not supported currently."))
    }

    func testMissingStateCodeOrTokenIs502() {
        XCTAssertEqual(error(failingAt: "authorize", with: flowResponse(200, [], "<p>no state</p>"))?.status, 502)
        XCTAssertEqual(error(failingAt: "resume", with: flowResponse(200, [], "<p>no redirect</p>"))?.status, 502)
        XCTAssertEqual(error(failingAt: "token", with: flowResponse(403, [], #"{"error":"invalid_grant"}"#))?.status, 502)
    }

    func testRateLimitAndTransportErrors() {
        XCTAssertEqual(error(failingAt: "token", with: flowResponse(429, [], #"{"detail":"slow"}"#)), ProxyError(429, "slow"))
        XCTAssertEqual(error(failingAt: "authorize", with: .failure(ProxyError(504, "upstream timeout"))),
                       ProxyError(504, "platform login (authorize): upstream timeout"))
    }
}

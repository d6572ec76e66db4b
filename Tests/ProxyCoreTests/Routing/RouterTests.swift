import XCTest
@testable import ProxyCore

final class RouterTests: XCTestCase {
    private let chatgpt = UpstreamOrigin(secure: true, host: "chatgpt.com", port: 443)
    private let platform = UpstreamOrigin(secure: true, host: "api.openai.com", port: 443)
    private var router: Router { Router(chatgpt: chatgpt, platform: platform) }

    private func assertForward(_ method: String, _ target: String, _ origin: UpstreamOrigin,
                               _ upstreamMethod: String, _ upstreamTarget: String,
                               router: Router? = nil, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual((router ?? self.router).route(method: method, target: target),
                       .forward(Forward(origin: origin, method: upstreamMethod, target: upstreamTarget)),
                       "\(method) \(target)", file: file, line: line)
    }

    /// The three routes of a conversation turn are told apart from other forwards: they get the sentinel handshake.
    private func assertConversation(_ target: String, _ upstreamTarget: String,
                                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(router.route(method: "POST", target: target),
                       .conversation(Forward(origin: chatgpt, method: "POST", target: upstreamTarget)),
                       target, file: file, line: line)
    }

    func testConversationTurnRoutes() {
        assertConversation("/chatgpt/conversation", "/backend-api/conversation")
        assertConversation("/chatgpt/backend-api/conversation", "/backend-api/conversation")
        assertConversation("/chatgpt/backend-api/f/conversation", "/backend-api/f/conversation")
        // Other methods and neighbouring paths are plain pass-through.
        assertForward("GET", "/chatgpt/backend-api/conversation", chatgpt, "GET", "/backend-api/conversation")
        assertForward("POST", "/chatgpt/backend-api/f/conversation/prepare", chatgpt, "POST",
                      "/backend-api/f/conversation/prepare")
        assertForward("POST", "/chatgpt/backend-api/conversations", chatgpt, "POST", "/backend-api/conversations")
    }

    private func assertRejected(_ method: String, _ target: String, _ status: Int, _ message: String? = nil,
                                file: StaticString = #filePath, line: UInt = #line) {
        guard case .reject(let error) = router.route(method: method, target: target) else {
            return XCTFail("routed: \(router.route(method: method, target: target))", file: file, line: line)
        }
        XCTAssertEqual(error.status, status, error.message, file: file, line: line)
        if let message { XCTAssertEqual(error.message, message, file: file, line: line) }
    }

    func testServiceAndLoginRoutes() {
        XCTAssertEqual(router.route(method: "GET", target: "/healthz"), .health)
        XCTAssertEqual(router.route(method: "GET", target: "/healthz?probe=1"), .health)
        XCTAssertEqual(router.route(method: "POST", target: "/chatgpt/login"), .login(.chatgpt))
        XCTAssertEqual(router.route(method: "POST", target: "/platform/login"), .login(.platform))
        assertRejected("POST", "/healthz", 405, "method POST not allowed for /healthz")
        assertRejected("GET", "/chatgpt/login", 405, "method GET not allowed for /chatgpt/login")
        assertRejected("GET", "/platform/login", 405)
    }

    func testChatGPTRoutes() {
        assertForward("GET", "/chatgpt/conversation/abc-123", chatgpt, "GET", "/backend-api/conversation/abc-123")
        assertConversation("/chatgpt/conversation", "/backend-api/conversation")
        assertForward("POST", "/chatgpt/conversation/gen_title/abc", chatgpt, "POST",
                      "/backend-api/conversation/gen_title/abc")
        assertForward("PATCH", "/chatgpt/conversation/abc", chatgpt, "PATCH", "/backend-api/conversation/abc")
        assertForward("POST", "/chatgpt/conversation/abc", chatgpt, "PATCH", "/backend-api/conversation/abc")
        assertForward("PATCH", "/chatgpt/conversations", chatgpt, "PATCH", "/backend-api/conversations")
        assertForward("POST", "/chatgpt/conversations", chatgpt, "PATCH", "/backend-api/conversations")
        assertForward("POST", "/chatgpt/conversation/message_feedback", chatgpt, "POST",
                      "/backend-api/conversation/message_feedback")
        assertForward("GET", "/chatgpt/models", chatgpt, "GET", "/backend-api/models")
        assertForward("GET", "/chatgpt/accounts/check", chatgpt, "GET", "/backend-api/accounts/check")
    }

    func testChatGPTPassThroughTakesAnyMethodAndKeepsTheQuery() {
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "X-CUSTOM"] {
            assertForward(method, "/chatgpt/backend-api/accounts/x/settings?a=%20b&c", chatgpt, method,
                          "/backend-api/accounts/x/settings?a=%20b&c")
        }
        assertForward("GET", "/chatgpt/backend-api/backend-api/x", chatgpt, "GET", "/backend-api/backend-api/x")
        assertRejected("GET", "/chatgpt/backend-api/", 404)
        assertRejected("GET", "/chatgpt/backend-api", 404)
    }

    func testPlatformRoutes() {
        for method in ["GET", "POST", "DELETE"] {
            assertForward(method, "/platform/v1/chat/completions", platform, method, "/v1/chat/completions")
        }
        assertForward("GET", "/platform/v1/files?purpose=fine-tune&limit=5", platform, "GET",
                      "/v1/files?purpose=fine-tune&limit=5")
        assertForward("POST", "/platform/v1/files", platform, "POST", "/v1/files")
        assertForward("GET", "/platform/dashboard/billing/credit_grants", platform, "GET",
                      "/dashboard/billing/credit_grants")
        assertForward("GET", "/platform/dashboard/billing/subscription?x=1", platform, "GET",
                      "/dashboard/billing/subscription?x=1")
        assertForward("GET", "/platform/dashboard/user/api_keys", platform, "GET", "/dashboard/user/api_keys")
        assertRejected("POST", "/platform/dashboard/user/api_keys", 405,
                       "method POST not allowed for /platform/dashboard/user/api_keys")
        assertRejected("GET", "/platform/v1", 404)
        assertRejected("GET", "/platform/v1/", 404)
        assertRejected("GET", "/platform/dashboard/", 404)
    }

    func testWrongMethodOnKnownPath() {
        assertRejected("DELETE", "/chatgpt/conversation/abc", 405, "method DELETE not allowed for /chatgpt/conversation/abc")
        assertRejected("GET", "/chatgpt/conversation", 405)
        assertRejected("GET", "/chatgpt/conversation/gen_title/abc", 405)
        assertRejected("POST", "/chatgpt/models", 405)
        assertRejected("PUT", "/chatgpt/accounts/check", 405)
        assertRejected("DELETE", "/chatgpt/conversations", 405, "method DELETE not allowed for /chatgpt/conversations")
        assertRejected("patch", "/chatgpt/conversations", 405)
    }

    func testUnknownPaths() {
        assertRejected("GET", "/", 404, "no route for GET /")
        assertRejected("GET", "/chatgpt", 404)
        assertRejected("GET", "/chatgpt/unknown?x=1", 404, "no route for GET /chatgpt/unknown")
        assertRejected("GET", "/chatgpt/conversation/", 404)
        assertRejected("GET", "/chatgpt/conversation/a/b", 404)
        assertRejected("POST", "/chatgpt/conversation/gen_title/", 404)
        assertRejected("POST", "/chatgpt/conversation/gen_title/a/b", 404)
        assertRejected("GET", "/chatgpt/models/", 404)
        assertRejected("GET", "/v1/models", 404)
        assertRejected("GET", "/platform/v2/models", 404)
        assertRejected("GET", "*", 404)
    }

    func testConversationListQuery() {
        let list = "/backend-api/conversations"
        assertForward("GET", "/chatgpt/conversations", chatgpt, "GET", list + "?offset=0&limit=20")
        assertForward("GET", "/chatgpt/conversations?offset=40&limit=10", chatgpt, "GET", list + "?offset=40&limit=10")
        assertForward("GET", "/chatgpt/conversations?limit=500", chatgpt, "GET", list + "?offset=0&limit=100")
        assertForward("GET", "/chatgpt/conversations?limit=100", chatgpt, "GET", list + "?offset=0&limit=100")
        assertForward("GET", "/chatgpt/conversations?offset=&limit=", chatgpt, "GET", list + "?offset=0&limit=20")
        assertForward("GET", "/chatgpt/conversations?order=updated&offset=3&x=%2F&flag", chatgpt, "GET",
                      list + "?offset=3&limit=20&order=updated&x=%2F&flag")
        assertForward("GET", "/chatgpt/conversations?offset=1&offset=2", chatgpt, "GET", list + "?offset=1&limit=20")
        assertForward("GET", "/chatgpt/conversations?", chatgpt, "GET", list + "?offset=0&limit=20")
        assertRejected("GET", "/chatgpt/conversations?limit=abc", 400, "invalid limit: must be a non-negative integer")
        assertRejected("GET", "/chatgpt/conversations?offset=-1", 400, "invalid offset: must be a non-negative integer")
        assertRejected("GET", "/chatgpt/conversations?limit=-5", 400)
        assertRejected("GET", "/chatgpt/conversations?limit=1.5", 400)
        assertRejected("GET", "/chatgpt/conversations?offset=99999999999999999999999", 400)
    }

    func testQueryPassesThroughByteForByte() {
        let query = "?a=%E2%9C%93&b=c%26d&&e=&=f&g=h=i"
        assertForward("PATCH", "/chatgpt/conversation/x" + query, chatgpt, "PATCH", "/backend-api/conversation/x" + query)
        assertForward("GET", "/platform/v1/models" + query, platform, "GET", "/v1/models" + query)
        assertForward("GET", "/chatgpt/models?", chatgpt, "GET", "/backend-api/models?")
    }

    func testBasePathIsPrepended() {
        let chained = UpstreamOrigin(secure: false, host: "127.0.0.1", port: 9000, basePath: "/legacy")
        let router = Router(chatgpt: chained, platform: platform)
        assertForward("GET", "/chatgpt/models?x", chained, "GET", "/legacy/backend-api/models?x", router: router)
        assertForward("GET", "/chatgpt/conversations", chained, "GET",
                      "/legacy/backend-api/conversations?offset=0&limit=20", router: router)
    }

    func testPathsThatCouldEscapeTheirPrefixAreRejected() {
        let escapes = [
            "/chatgpt/backend-api/../admin", "/chatgpt/backend-api/a/../../x", "/platform/v1/..",
            "/platform/v1/./models", "/chatgpt/backend-api/%2e%2e/x", "/chatgpt/backend-api/%2E./x",
            "/chatgpt/backend-api/.%2e", "/platform/dashboard/%2e", "/chatgpt/conversation/..",
            "/platform/v1/a%2fb", "/platform/v1/a%2F..%2Fb", "/chatgpt/backend-api/a%5cb", "/platform/v1/a\\b",
        ]
        for path in escapes { assertRejected("GET", path, 400) }
        assertForward("GET", "/platform/v1/files/file-1.jsonl", platform, "GET", "/v1/files/file-1.jsonl")
        assertForward("GET", "/platform/v1/a.../%2e%2e%2e", platform, "GET", "/v1/a.../%2e%2e%2e")
        assertForward("GET", "/platform/v1/a%2", platform, "GET", "/v1/a%2")
        assertForward("GET", "/platform/v1/models?next=../x", platform, "GET", "/v1/models?next=../x")
    }

    func testOriginAuthorityIsTheHostValue() {
        XCTAssertEqual(chatgpt.authority, "chatgpt.com")
        XCTAssertEqual(UpstreamOrigin(secure: false, host: "::1", port: 8080).authority, "[::1]:8080")
        XCTAssertEqual(UpstreamOrigin(secure: false, host: "a", port: 80).authority, "a")
        XCTAssertEqual(UpstreamOrigin(url: "https://x.test:8443/base/")?.authority, "x.test:8443")
        let pool: Set = [chatgpt, UpstreamOrigin(secure: true, host: "chatgpt.com", port: 443), platform]
        XCTAssertEqual(pool.count, 2)
    }
}

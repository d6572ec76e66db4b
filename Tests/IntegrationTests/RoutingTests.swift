import XCTest

/// Every route of the contract against the real proxyd: what reaches which upstream, and what comes back.
/// Direct here; the subclasses in RoutingThroughProxyTests.swift run the same tests through each proxy dialer.
class RoutingTests: ProxydTestCase {
    private struct Route {
        let method: String
        let inbound: String
        let upstreamMethod: String
        let upstreamURI: String
        var body: [UInt8]? = nil
        var platform = false
    }

    private static let json = Array(#"{"title":"Renamed","is_visible":false,"x-unknown":{"n":[1,2.50,1e-7]}}"#.utf8)

    private static let routes: [Route] = [
        Route(method: "GET", inbound: "/chatgpt/conversations?offset=3&limit=7",
              upstreamMethod: "GET", upstreamURI: "/backend-api/conversations?offset=3&limit=7"),
        Route(method: "GET", inbound: "/chatgpt/conversation/c0ffee-1",
              upstreamMethod: "GET", upstreamURI: "/backend-api/conversation/c0ffee-1"),
        Route(method: "POST", inbound: "/chatgpt/conversation/gen_title/c0ffee-1",
              upstreamMethod: "POST", upstreamURI: "/backend-api/conversation/gen_title/c0ffee-1", body: json),
        Route(method: "PATCH", inbound: "/chatgpt/conversation/c0ffee-1",
              upstreamMethod: "PATCH", upstreamURI: "/backend-api/conversation/c0ffee-1", body: json),
        Route(method: "POST", inbound: "/chatgpt/conversation/c0ffee-2",
              upstreamMethod: "PATCH", upstreamURI: "/backend-api/conversation/c0ffee-2", body: json),
        Route(method: "PATCH", inbound: "/chatgpt/conversations",
              upstreamMethod: "PATCH", upstreamURI: "/backend-api/conversations", body: json),
        Route(method: "POST", inbound: "/chatgpt/conversations",
              upstreamMethod: "PATCH", upstreamURI: "/backend-api/conversations", body: json),
        Route(method: "POST", inbound: "/chatgpt/conversation/message_feedback",
              upstreamMethod: "POST", upstreamURI: "/backend-api/conversation/message_feedback", body: json),
        Route(method: "GET", inbound: "/chatgpt/models", upstreamMethod: "GET", upstreamURI: "/backend-api/models"),
        Route(method: "GET", inbound: "/chatgpt/accounts/check",
              upstreamMethod: "GET", upstreamURI: "/backend-api/accounts/check"),
        Route(method: "GET", inbound: "/chatgpt/backend-api/me?x=1&y=two%20words",
              upstreamMethod: "GET", upstreamURI: "/backend-api/me?x=1&y=two%20words"),
        Route(method: "PUT", inbound: "/chatgpt/backend-api/settings/user?key=v",
              upstreamMethod: "PUT", upstreamURI: "/backend-api/settings/user?key=v", body: json),
        Route(method: "DELETE", inbound: "/chatgpt/backend-api/conversation/c1/item",
              upstreamMethod: "DELETE", upstreamURI: "/backend-api/conversation/c1/item"),
        Route(method: "GET", inbound: "/platform/v1/models",
              upstreamMethod: "GET", upstreamURI: "/v1/models", platform: true),
        Route(method: "POST", inbound: "/platform/v1/chat/completions",
              upstreamMethod: "POST", upstreamURI: "/v1/chat/completions", body: json, platform: true),
        Route(method: "POST", inbound: "/platform/v1/embeddings?api-version=2",
              upstreamMethod: "POST", upstreamURI: "/v1/embeddings?api-version=2", body: json, platform: true),
        Route(method: "DELETE", inbound: "/platform/v1/files/file-abc",
              upstreamMethod: "DELETE", upstreamURI: "/v1/files/file-abc", platform: true),
        Route(method: "GET", inbound: "/platform/dashboard/billing/credit_grants",
              upstreamMethod: "GET", upstreamURI: "/dashboard/billing/credit_grants", platform: true),
        Route(method: "GET", inbound: "/platform/dashboard/billing/subscription",
              upstreamMethod: "GET", upstreamURI: "/dashboard/billing/subscription", platform: true),
        Route(method: "GET", inbound: "/platform/dashboard/user/api_keys",
              upstreamMethod: "GET", upstreamURI: "/dashboard/user/api_keys", platform: true),
    ]

    func testEveryRouteReachesItsUpstreamAndTheAnswerIsRelayedUnchanged() throws {
        for route in Self.routes {
            let label = "\(route.method) \(route.inbound)"
            let fixture = route.platform ? env.platform : env.chatgpt
            let other = route.platform ? env.chatgpt : env.platform
            let otherHeads = other.recorder.headCount
            var headers = [RequestBuilder.defaultAuthorization]
            if route.body != nil { headers.append(("Content-Type", "application/json")) }
            let response = try request(route.method, route.inbound, headers: headers, body: route.body)

            XCTAssertEqual(response.status, 200, "\(label): \(response.bodyText)")
            XCTAssertEqual(response.header("content-type"), "application/json", label)
            XCTAssertEqual(other.recorder.headCount, otherHeads, "\(label) went to the wrong upstream")
            guard let upstream = upstreamRequest(behind: response, on: fixture) else { continue }
            XCTAssertEqual(response.body, FixtureResponses.echoBody(for: upstream), "\(label): body relayed unchanged")
            XCTAssertEqual(upstream.method, route.upstreamMethod, label)
            XCTAssertEqual(upstream.uri, route.upstreamURI, label)
            XCTAssertEqual(upstream.headerValues("authorization"), ["Bearer itest-token"], label)
            XCTAssertEqual(upstream.header("host"), "localhost:\(fixture.port)", label)
            XCTAssertEqual(upstream.body, route.body ?? [], "\(label): body bytes upstream")
            XCTAssertEqual(upstream.bodyLength, route.body?.count ?? 0, label)
            if route.body != nil {
                XCTAssertEqual(upstream.header("content-type"), "application/json", label)
            }
        }
    }

    func testConversationsListDefaultsOffsetAndLimit() throws {
        let response = try request("GET", "/chatgpt/conversations")
        let upstream = try XCTUnwrap(upstreamRequest(behind: response, on: env.chatgpt))
        XCTAssertEqual(upstream.path, "/backend-api/conversations")
        XCTAssertEqual(upstream.query, ["offset": "0", "limit": "20"])
    }

    func testConversationsListClampsLimitTo100() throws {
        let response = try request("GET", "/chatgpt/conversations?offset=40&limit=500")
        let upstream = try XCTUnwrap(upstreamRequest(behind: response, on: env.chatgpt))
        XCTAssertEqual(upstream.path, "/backend-api/conversations")
        XCTAssertEqual(upstream.query, ["offset": "40", "limit": "100"])
    }

    func testTokenWithoutBearerPrefixGetsIt() throws {
        let response = try request("GET", "/platform/v1/models", headers: [("Authorization", "sk-raw-token")])
        let upstream = try XCTUnwrap(upstreamRequest(behind: response, on: env.platform))
        XCTAssertEqual(upstream.headerValues("authorization"), ["Bearer sk-raw-token"])
    }

    func testMissingAuthorizationIs401AndNothingReachesUpstream() throws {
        let heads = (env.chatgpt.recorder.headCount, env.platform.recorder.headCount)
        for (method, target) in [("GET", "/chatgpt/models"), ("POST", "/chatgpt/conversation"),
                                 ("GET", "/chatgpt/conversations"), ("DELETE", "/chatgpt/backend-api/x"),
                                 ("POST", "/platform/v1/chat/completions"), ("GET", "/platform/dashboard/user/api_keys")] {
            let response = try request(method, target, headers: [], body: method == "GET" ? nil : Array("{}".utf8))
            assertProxydError(response, status: 401)
            XCTAssertEqual(jsonObject(response)?["errorMessage"] as? String, "Missing accessToken.", "\(method) \(target)")
        }
        XCTAssertEqual(env.chatgpt.recorder.headCount, heads.0)
        XCTAssertEqual(env.platform.recorder.headCount, heads.1)
    }

    func testUnknownRouteIs404JSON() throws {
        for target in ["/", "/nope", "/chatgpt/nope", "/platform/v2/models", "/healthzz"] {
            assertProxydError(try request("GET", target), status: 404)
        }
    }

    func testHealthzAnswersOKWithoutAuthorization() throws {
        let response = try request("GET", "/healthz", headers: [])
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(jsonObject(response)?["status"] as? String, "ok")
    }

    func testUpstreamErrorStatusesAreRelayedUnchanged() throws {
        for (target, code) in [("/chatgpt/backend-api/__status?code=418", 418), ("/platform/v1/__status?code=401", 401),
                               ("/platform/v1/chat/__status?code=429", 429), ("/chatgpt/backend-api/__status?code=500", 500)] {
            let response = try request("GET", target)
            XCTAssertEqual(response.status, code, target)
            XCTAssertEqual(response.header("content-type"), FixtureResponses.statusContentType, target)
            XCTAssertEqual(response.body, FixtureResponses.statusBody(code: code), target)
        }
    }

    /// The original re-marshalled bodies and lost unknown fields and float spellings; proxyd must not.
    func testJSONBodyWithFloatsAndUnknownFieldsArrivesByteForByte() throws {
        let body = Array("""
            {"model":"gpt-4","temperature":0.70000000000000001,"top_p":1E-7,"n":12345678901234567890,
              "messages":[{"role":"user","content":"h\\u00e9llo \\"quoted\\" ☃"}],"unknown_field":{"nested":[1,2.50,null]} }
            """.utf8)
        let response = try request("POST", "/platform/v1/chat/completions", headers: [
            RequestBuilder.defaultAuthorization, ("Content-Type", "application/json; charset=utf-8"),
            ("Accept", "text/event-stream"), ("OpenAI-Organization", "org-itest"),
        ], body: body)
        let upstream = try XCTUnwrap(upstreamRequest(behind: response, on: env.platform))
        XCTAssertEqual(upstream.body, body)
        XCTAssertEqual(upstream.header("content-type"), "application/json; charset=utf-8")
        XCTAssertEqual(upstream.header("accept"), "text/event-stream")
        XCTAssertEqual(upstream.header("openai-organization"), "org-itest")
    }

    func testHopByHopHeadersAreNotForwarded() throws {
        let response = try request("GET", "/chatgpt/models", headers: [
            RequestBuilder.defaultAuthorization, ("Connection", "keep-alive, X-Hop-Marker"), ("X-Hop-Marker", "1"),
            ("Keep-Alive", "timeout=5"), ("Proxy-Connection", "keep-alive"), ("Proxy-Authorization", "Basic eDp5"),
            ("TE", "trailers"), ("Upgrade", "websocket"),
        ])
        let upstream = try XCTUnwrap(upstreamRequest(behind: response, on: env.chatgpt))
        for name in ["x-hop-marker", "keep-alive", "proxy-connection", "proxy-authorization", "upgrade"] {
            XCTAssertNil(upstream.header(name), "\(name) is hop-by-hop and must not reach the upstream")
        }
    }
}

import Foundation

/// The site's side of each step of a turn (chatgpt-web.md §1), strict: anything a correct client would not
/// send is refused the way the site would (403 "unusual activity", 401, 403 for a stale build).
extension FakeChatGPTState {
    /// `origin` is the fake's own `https://localhost:PORT`.
    mutating func answer(_ request: FakeAuthRequest, step: FakeChatGPTStep?, origin: String) -> FakeChatGPTAnswer {
        guard let step else { return .json(404, #"{"detail":"Not Found"}"#) }
        if let canned = knobs.refusals[step] {
            var answer = FakeChatGPTRefusal(status: canned.status, body: canned.body, reason: "the test refuses \(step.rawValue)").answer
            answer.headers += knobs.refusalHeaders[step] ?? []
            return answer
        }
        do {
            switch step {
            case .bootstrap: return try bootstrap(request)
            case .conduit: return try conduit(request)
            case .sentinelPrepare: return try sentinelPrepare(request)
            case .sentinelFinalize: return try finalize(request)
            case .requirements: return try requirements(request)
            case .conversation: return try conversation(request, generation: .c2026, origin: origin)
            case .legacyConversation: return try conversation(request, generation: .b2024, origin: origin)
            case .models: return try models(request)
            }
        } catch let refusal as FakeChatGPTRefusal {
            return refusal.answer
        } catch {
            return FakeChatGPTRefusal(status: 500, body: #"{"detail":"fake error"}"#, reason: "\(error)").answer
        }
    }

    // MARK: 1. bootstrap

    /// A navigation: no access token. Without the fake's cookies it hands out a new browser's; `oai-did` only
    /// when the request brought none.
    private mutating func bootstrap(_ request: FakeAuthRequest) throws -> FakeChatGPTAnswer {
        guard request.header("authorization") == nil else {
            throw FakeChatGPTRefusal.unusual("a navigation carries no Authorization")
        }
        guard request.header("accept")?.contains("text/html") == true else {
            throw FakeChatGPTRefusal.unusual("a navigation accepts text/html (accept: \(request.header("accept") ?? "none"))")
        }
        var headers: [(String, String)] = [("content-type", "text/html; charset=utf-8")]
        let cookies = request.cookies
        let known = cookies["oai-sc"].flatMap { browsers[$0] }.map { $0.cfBM == cookies["__cf_bm"] } ?? false
        if !known {
            var browser = Browser(cfBM: Self.opaqueToken("bm", length: 40), oaiSC: Self.opaqueToken("sc", length: 40))
            let attributes = "; Path=/; Expires=Tue, 01 Jan 2036 00:00:00 GMT; Secure; HttpOnly; SameSite=None"
            headers.append(("set-cookie", "__cf_bm=\(browser.cfBM)\(attributes)"))
            headers.append(("set-cookie", "oai-sc=\(browser.oaiSC); Path=/; Max-Age=31536000; Secure; HttpOnly; SameSite=Lax"))
            if cookies["oai-did"] == nil {
                let did = UUID().uuidString.lowercased()
                browser.issuedDeviceCookie = did
                headers.append(("set-cookie", "oai-did=\(did); Path=/; Max-Age=31536000; SameSite=Lax"))
            }
            browsers[browser.oaiSC] = browser
        }
        let filler = String(repeating: "<script>window.__fake=1;</script>\n", count: 500)
        let page = "<!DOCTYPE html><html class=\"\" data-build=\"\(build)\" dir=\"ltr\" lang=\"en-US\"><head>"
            + "<meta charset=\"utf-8\"><title>ChatGPT</title>"
            + "<script src=\"https://cdn.oaistatic.com/assets/manifest-\(build.suffix(8)).js\"></script></head><body>"
            + filler + "</body></html>"
        return FakeChatGPTAnswer(status: 200, headers: headers, writes: [Array(page.utf8)], refusal: nil)
    }

    // MARK: 2. conduit prepare

    private mutating func conduit(_ request: FakeAuthRequest) throws -> FakeChatGPTAnswer {
        let caller = try caller(request, step: .conduit, clientHeaders: true)
        let sent = request.header("x-conduit-token") ?? "missing"
        guard sent == "no-token" || accounts[caller.account]?.conduitTokens.contains(sent) == true else {
            throw FakeChatGPTRefusal.unusual("x-conduit-token \(sent.prefix(12)) is neither no-token nor this account's")
        }
        let body = try jsonBody(request)
        guard body["messages"] == nil, body["action"] is String, body["parent_message_id"] is String, body["model"] is String,
              ["none", "sent", "success"].contains(body["client_prepare_state"] as? String ?? "") else {
            throw FakeChatGPTRefusal(status: 400, body: #"{"detail":"Invalid prepare request"}"#,
                                     reason: "prepare body lacks action, parent_message_id, model or client_prepare_state, or has messages")
        }
        let token = Self.opaqueToken("ct-")
        accounts[caller.account, default: Account()].conduitTokens.insert(token)
        var headers: [(String, String)] = []
        if request.cookies["_cfuvid"] == nil {
            let cfuvid = Self.opaqueToken("uv", length: 30)
            browsers[caller.browser]?.cfuvids.insert(cfuvid)
            headers.append(("set-cookie", "_cfuvid=\(cfuvid); Path=/; Secure; HttpOnly; SameSite=None"))
        }
        return .json(200, object: ["status": "ok", "conduit_token": token], headers: headers)
    }

    // MARK: 3. and 5. sentinel prepare and finalize (generation C), and generation B's one call

    private mutating func sentinelPrepare(_ request: FakeAuthRequest) throws -> FakeChatGPTAnswer {
        let caller = try caller(request, step: .sentinelPrepare, clientHeaders: true)
        let issued = try issueRequirements(request, caller: caller, generation: .c2026)
        let prepareToken = Self.opaqueToken("pt-")
        prepareTokens[prepareToken] = issued
        return .json(200, object: [
            "persona": "chatgpt-freeaccount", "prepare_token": prepareToken,
            "proofofwork": ["required": issued.proofRequired, "seed": issued.seed, "difficulty": issued.difficulty],
            "turnstile": ["required": issued.turnstileRequired, "dx": Self.opaqueToken("dx", length: 64)],
        ])
    }

    private mutating func finalize(_ request: FakeAuthRequest) throws -> FakeChatGPTAnswer {
        let caller = try caller(request, step: .sentinelFinalize, clientHeaders: true)
        let body = try jsonBody(request)
        guard let prepareToken = body["prepare_token"] as? String, let issued = prepareTokens[prepareToken] else {
            throw FakeChatGPTRefusal.unusual("unknown prepare_token")
        }
        guard !issued.used, issued.account == caller.account else {
            throw FakeChatGPTRefusal.unusual(issued.used ? "prepare_token used before" : "prepare_token of another account")
        }
        prepareTokens[prepareToken]?.used = true
        if issued.turnstileRequired {
            throw FakeChatGPTRefusal(status: 403, body: Self.turnstileRequired, reason: "turnstile required and not answered")
        }
        if issued.proofRequired {
            let expect = caller.expectation(build: build, language: request.header("oai-language"))
            guard let proof = body["proofofwork"] as? String else { throw FakeChatGPTRefusal.unusual("no proofofwork") }
            if let problem = FakeSentinelProofs.verifyProof(proof, seed: issued.seed, difficulty: issued.difficulty,
                                                             generation: .c2026, expect: expect) {
                throw FakeChatGPTRefusal.unusual("finalize: " + problem)
            }
        }
        let token = Self.opaqueToken("gAAAAAB", length: 160)
        chatTokens[token] = Issued(account: issued.account, generation: .c2026, seed: issued.seed, difficulty: issued.difficulty,
                                   proofRequired: issued.proofRequired, turnstileRequired: false)
        return .json(200, object: ["persona": "chatgpt-freeaccount", "token": token, "expire_after": 540])
    }

    private mutating func requirements(_ request: FakeAuthRequest) throws -> FakeChatGPTAnswer {
        let caller = try caller(request, step: .requirements, clientHeaders: false)
        let issued = try issueRequirements(request, caller: caller, generation: .b2024)
        let token = Self.opaqueToken("gAAAAAB", length: 160)
        chatTokens[token] = issued
        return .json(200, object: [
            "persona": "chatgpt-freeaccount", "token": token,
            "proofofwork": ["required": issued.proofRequired, "seed": issued.seed, "difficulty": issued.difficulty],
            "turnstile": ["required": issued.turnstileRequired],
        ])
    }

    /// Checks the body's requirements token `p` and draws a seed and difficulty for the caller.
    private mutating func issueRequirements(_ request: FakeAuthRequest, caller: Caller,
                                            generation: FakeSentinelGeneration) throws -> Issued {
        guard let p = try jsonBody(request)["p"] as? String else { throw FakeChatGPTRefusal.unusual("no p in the body") }
        let expect = caller.expectation(build: build, language: request.header("oai-language"))
        if let problem = FakeSentinelProofs.verifyRequirements(p, generation: generation, expect: expect) {
            throw FakeChatGPTRefusal.unusual(problem)
        }
        return Issued(account: caller.account, generation: generation, seed: Self.randomSeed(), difficulty: takeDifficulty(),
                      proofRequired: knobs.proofRequired, turnstileRequired: knobs.turnstileRequired)
    }

    // MARK: 6. the conversation

    private mutating func conversation(_ request: FakeAuthRequest, generation: FakeSentinelGeneration,
                                       origin: String) throws -> FakeChatGPTAnswer {
        // The token first: a client with its own spent token sees exactly this.
        guard let token = request.header("openai-sentinel-chat-requirements-token"), let issued = chatTokens[token],
              !issued.used, issued.generation == generation else {
            throw FakeChatGPTRefusal.unusual("chat-requirements token missing, unknown, used or of the other generation")
        }
        chatTokens[token]?.used = true
        let step: FakeChatGPTStep = generation == .c2026 ? .conversation : .legacyConversation
        let caller = try caller(request, step: step, clientHeaders: generation == .c2026)
        guard issued.account == caller.account else { throw FakeChatGPTRefusal.unusual("chat-requirements token of another account") }
        if issued.turnstileRequired {
            throw FakeChatGPTRefusal(status: 403, body: Self.turnstileRequired, reason: "turnstile required and not answered")
        }
        guard request.header("oai-language")?.isEmpty == false else { throw FakeChatGPTRefusal.unusual("no oai-language") }
        if issued.proofRequired {
            guard let proof = request.header("openai-sentinel-proof-token") else {
                throw FakeChatGPTRefusal.unusual("no openai-sentinel-proof-token")
            }
            let expect = caller.expectation(build: build, language: request.header("oai-language"))
            if let problem = FakeSentinelProofs.verifyProof(proof, seed: issued.seed, difficulty: issued.difficulty,
                                                             generation: generation, expect: expect) {
                throw FakeChatGPTRefusal.unusual("proof token: " + problem)
            }
        }
        let body = try jsonBody(request)
        if generation == .c2026 { try checkTurnHeaders(request, caller: caller, body: body, origin: origin) }
        var headers = [("content-type", "text/event-stream; charset=utf-8"), ("cache-control", "no-cache")]
        if let cookie = knobs.conversationCookie { headers.append(("set-cookie", cookie)) }
        if body["action"] as? String == "continue" { return try continuation(body, account: caller.account, headers: headers) }
        guard body["action"] is String, let messages = body["messages"] as? [[String: Any]], let first = messages.first else {
            throw FakeChatGPTRefusal(status: 400, body: #"{"detail":"Invalid conversation request"}"#, reason: "no messages")
        }
        if !knobs.segments.isEmpty { return scriptedAnswer(body, account: caller.account, headers: headers) }
        let prompt = ((first["content"] as? [String: Any])?["parts"] as? [Any])?.first as? String ?? ""
        let writes = FakeChatGPTStream.writes(prompt: prompt, parentID: body["parent_message_id"] as? String ?? "",
                                              delta: format(of: body) == .delta)
        return FakeChatGPTAnswer(status: 200, headers: headers, writes: writes, refusal: nil)
    }

    /// Generation C's conversation headers beyond the client's (§1 step 6) and its body's prepare state.
    private mutating func checkTurnHeaders(_ request: FakeAuthRequest, caller: Caller, body: [String: Any],
                                           origin: String) throws {
        let conduit = request.header("x-conduit-token") ?? "missing"
        guard accounts[caller.account]?.conduitTokens.contains(conduit) == true else {
            throw FakeChatGPTRefusal.unusual("x-conduit-token \(conduit.prefix(12)) was not issued to this account")
        }
        guard let cfuvid = request.cookies["_cfuvid"], browsers[caller.browser]?.cfuvids.contains(cfuvid) == true else {
            throw FakeChatGPTRefusal.unusual("no _cfuvid cookie of the conduit prepare")
        }
        let trace = request.header("x-oai-turn-trace-id")
        guard let trace, Self.isUUID(trace), !turnTraceIDs.contains(trace) else {
            throw FakeChatGPTRefusal.unusual("x-oai-turn-trace-id \(trace ?? "missing") is not a new UUID")
        }
        turnTraceIDs.insert(trace)
        let origins = [origin, "https://chatgpt.com"]
        guard let sentOrigin = request.header("origin"), origins.contains(sentOrigin),
              request.header("referer")?.hasPrefix(sentOrigin + "/") == true else {
            throw FakeChatGPTRefusal.unusual("origin \(request.header("origin") ?? "missing") / referer \(request.header("referer") ?? "missing")")
        }
        guard request.header("accept")?.contains("text/event-stream") == true else {
            throw FakeChatGPTRefusal.unusual("accept \(request.header("accept") ?? "missing") is not text/event-stream")
        }
        guard body["client_prepare_state"] as? String == "success" else {
            throw FakeChatGPTRefusal.unusual("client_prepare_state is \(body["client_prepare_state"] ?? "absent"), not success")
        }
    }
}

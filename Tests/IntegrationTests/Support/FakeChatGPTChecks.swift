import Foundation

/// What the fake answers: a status, headers, and the body in the writes it makes (one for an ordinary answer,
/// several with pauses for a conversation's stream).
struct FakeChatGPTAnswer {
    var status: Int
    var headers: [(String, String)]
    var writes: [[UInt8]]
    /// Why the fake refused the request (nil: it did not).
    var refusal: String?
    /// Written as a stream (write by write, no content-length) even when `writes` holds one.
    var isStream = false
    /// The pause after write N in milliseconds; nil: the knob `streamDelayMs`.
    var delayMs: ((Int) -> Int)?
    /// A large answer's writes, made as they are written (`writes` is then empty, and so is the record's body).
    var source: FakeWriteSource?
    /// The content coding its writes go out in (the knob `conversationCoding`); the record keeps them plain.
    var coding: String?

    var body: [UInt8] { writes.flatMap { $0 } }
    var streams: Bool { isStream || source != nil || writes.count > 1 }

    /// The writes as the handler takes them.
    var writeSource: FakeWriteSource { source ?? FakeWriteSource(writes: writes, delayMs: delayMs) }

    static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> FakeChatGPTAnswer {
        FakeChatGPTAnswer(status: status, headers: [("content-type", "application/json")] + headers,
                          writes: [Array(text.utf8)], refusal: nil)
    }

    static func json(_ status: Int, object: [String: Any], headers: [(String, String)] = []) -> FakeChatGPTAnswer {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return json(status, String(decoding: data, as: UTF8.self), headers: headers)
    }
}

/// A refusal: the status and body the site would send, and the reason, which the fake also puts in the
/// `x-fake-refusal` header and its records so a failing test says what was wrong.
struct FakeChatGPTRefusal: Error {
    let status: Int
    let body: String
    let reason: String

    static func unusual(_ reason: String) -> FakeChatGPTRefusal {
        FakeChatGPTRefusal(status: 403, body: FakeChatGPTState.unusualActivity, reason: reason)
    }

    var answer: FakeChatGPTAnswer {
        var answer = FakeChatGPTAnswer.json(status, body, headers: [("x-fake-refusal", reason)])
        answer.refusal = reason
        return answer
    }
}

/// The checks the steps share: who is calling (token, cookies, device) and the client headers of §1.
extension FakeChatGPTState {
    /// What an authenticated step learned about its caller.
    struct Caller {
        let account: String
        /// The browser (by its `oai-sc`) whose cookies came along.
        let browser: String
        let deviceID: String
        let userAgent: String

        func expectation(build: String, language: String?) -> FakeConfigExpectation {
            FakeConfigExpectation(userAgent: userAgent, buildID: build, deviceID: deviceID, language: language)
        }
    }

    func account(of request: FakeAuthRequest) throws -> String {
        guard let account = Self.account(authorization: request.header("authorization")) else {
            throw FakeChatGPTRefusal(status: 401, body: Self.badAuthorization, reason: "no JWT access token naming an account")
        }
        return account
    }

    /// Token, cookies and device id of an authenticated step; with `clientHeaders`, generation C's headers too.
    mutating func caller(_ request: FakeAuthRequest, step: FakeChatGPTStep, clientHeaders: Bool) throws -> Caller {
        let account = try account(of: request)
        if clientHeaders { try checkClientHeaders(request, step: step) }
        guard let userAgent = request.header("user-agent"), !userAgent.isEmpty else { throw FakeChatGPTRefusal.unusual("no User-Agent") }
        let browser = try browser(of: request, account: account)
        let deviceID = try device(of: request, account: account)
        return Caller(account: account, browser: browser, deviceID: deviceID, userAgent: userAgent)
    }

    /// The cookies a bootstrap set (`__cf_bm`, `oai-sc`), bound to the first account that uses them.
    private mutating func browser(of request: FakeAuthRequest, account: String) throws -> String {
        let cookies = request.cookies
        guard let key = cookies["oai-sc"], let browser = browsers[key], cookies["__cf_bm"] == browser.cfBM else {
            throw FakeChatGPTRefusal.unusual("no __cf_bm and oai-sc cookies of one bootstrap (cookies: \(cookies.keys.sorted()))")
        }
        if let owner = browser.account, owner != account {
            throw FakeChatGPTRefusal.unusual("cookies bound to account \(owner) sent for account \(account)")
        }
        if let cfuvid = cookies["_cfuvid"], !browser.cfuvids.contains(cfuvid) {
            throw FakeChatGPTRefusal.unusual("_cfuvid cookie of another browser")
        }
        browsers[key]?.account = account
        return key
    }

    /// `oai-device-id`: a version 5 UUID, equal to the `oai-did` cookie, one per account and nobody else's.
    private mutating func device(of request: FakeAuthRequest, account: String) throws -> String {
        guard let deviceID = request.header("oai-device-id"), Self.isUUID(deviceID, version: "5") else {
            throw FakeChatGPTRefusal.unusual("oai-device-id \(request.header("oai-device-id") ?? "missing") is not a UUIDv5")
        }
        guard request.cookies["oai-did"] == deviceID else {
            throw FakeChatGPTRefusal.unusual("oai-did cookie \(request.cookies["oai-did"] ?? "missing") is not oai-device-id \(deviceID)")
        }
        if let known = accounts[account]?.deviceID, known != deviceID {
            throw FakeChatGPTRefusal.unusual("account \(account) changed its device id from \(known) to \(deviceID)")
        }
        if let other = accounts.first(where: { $0.key != account && $0.value.deviceID == deviceID })?.key {
            throw FakeChatGPTRefusal.unusual("device id \(deviceID) belongs to account \(other)")
        }
        accounts[account, default: Account()].deviceID = deviceID
        return deviceID
    }

    /// The headers §1 puts on steps 2, 3, 5 and 6; a build other than the current one is refused as stale.
    private func checkClientHeaders(_ request: FakeAuthRequest, step: FakeChatGPTStep) throws {
        guard request.header("oai-client-version") == build else {
            throw FakeChatGPTRefusal(status: 403, body: Self.staleBuild,
                                     reason: "oai-client-version \(request.header("oai-client-version") ?? "missing") is not the build \(build)")
        }
        guard Self.isUUID(request.header("oai-session-id")) else { throw FakeChatGPTRefusal.unusual("oai-session-id is not a UUID") }
        guard request.header("oai-language")?.isEmpty == false else { throw FakeChatGPTRefusal.unusual("no oai-language") }
        let buildNumber = request.header("oai-client-build-number") ?? ""
        guard !buildNumber.isEmpty, knobs.expectedBuildNumber.map({ $0 == buildNumber }) ?? true else {
            throw FakeChatGPTRefusal.unusual("oai-client-build-number \(buildNumber.debugDescription)")
        }
        for name in ["x-openai-target-path", "x-openai-target-route"] where request.header(name) != step.path {
            throw FakeChatGPTRefusal.unusual("\(name) \(request.header(name) ?? "missing") is not \(step.path)")
        }
    }

    func jsonBody(_ request: FakeAuthRequest) throws -> [String: Any] {
        guard request.header("content-type")?.lowercased().hasPrefix("application/json") == true,
              let body = request.jsonBody else {
            throw FakeChatGPTRefusal(status: 400, body: #"{"detail":"Invalid JSON body"}"#, reason: "body is not a JSON object")
        }
        return body
    }
}

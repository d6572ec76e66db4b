/// The sentinel handshake of one conversation turn (chatgpt-web.md §1): bootstrap when needed, then
/// conduit prepare, sentinel prepare, proof of work and finalize (generation C), or the one
/// requirements call (generation B). Every step goes through the worker's pool, proxy route and
/// profile with the account's cookie jar, and ends the turn with one completion: the plan of the
/// conversation call, or proxyd's error naming the step. Loop-confined.
final class SentinelTurn {
    private unowned let worker: Worker
    private let generation: SentinelGeneration
    private let account: ChatGPTAccount
    /// `Bearer …`, as the site wants it.
    private let authorization: String
    private let body: ConversationBody
    private let transport: UpstreamFlowTransport
    private let session: FlowSession
    private var completion: ((Result<TurnPlan, ProxyError>) -> Void)?
    /// The steps so far, for the debug line and `proxyd chatgpt-check`.
    private(set) var log: TurnLog

    private var step = TurnStep.bootstrap
    /// Loop nanoseconds when `step` began.
    private var stepStarted: UInt64 = 0
    /// The build id this turn uses from start to end: the worker's may change under it (another turn's
    /// bootstrap, or a 403 marking it stale), and every step and the proof must name the same one.
    private var build: String?
    /// Requirements fetched again (a difficulty over the maximum, a search without an answer).
    private var refetches = 0
    /// The handshake started over after a 403 with a fresh build id (once per turn).
    private var restarted = false
    private var conduitToken = ChatGPTSite.noConduitToken
    private var prepareToken: String?
    private var turnstileAsked = false
    private var search: ProofSearch?

    init(worker: Worker, generation: SentinelGeneration, account: ChatGPTAccount, authorization: String,
         body: ConversationBody, completion: @escaping (Result<TurnPlan, ProxyError>) -> Void) {
        self.worker = worker
        self.generation = generation
        self.account = account
        self.authorization = UpstreamRequestHead.lacksBearer(authorization) ? "Bearer " + authorization : authorization
        self.body = body
        self.completion = completion
        // One route for every step and the conversation, picked as the client's other requests are.
        transport = UpstreamFlowTransport(worker: worker, stickyKey: authorization)
        session = FlowSession(transport: transport, jar: account.jar)
        log = TurnLog(generation: generation)
    }

    func start() {
        // The config array describes Chromium (ChatGPTSite); another browser's User-Agent would contradict it.
        guard worker.profile.isChromium else {
            return fail(502, "the \(worker.configuration.tlsProfile.rawValue) profile cannot run the sentinel handshake, "
                        + "whose config describes Chromium: use PROXYD_TLS_PROFILE chrome or edge, or "
                        + "PROXYD_CHATGPT_SENTINEL off")
        }
        let site = worker.chatgpt.build
        if site.isStale(now: now) || account.needsBootstrap {
            bootstrap()
        } else {
            build = site.id
            requirements()
        }
    }

    /// The client left, or the turn's time ran out: nothing more is sent and no completion runs.
    func cancel() {
        completion = nil
        session.isCancelled = true
        transport.cancel()
        if let search { worker.chatgpt.solver.cancel(search) }
    }

    /// The step under way, for an error that ends the turn from outside (its deadline).
    var currentStep: TurnStep { step }

    private var now: UInt64 { worker.loop.now }
    private var origin: UpstreamOrigin { worker.configuration.chatgpt }

    // MARK: steps

    private func bootstrap() {
        enter(.bootstrap)
        let request = FlowRequest("GET", FlowURL(origin, ChatGPTSite.bootstrapPath), kind: .navigation)
        send(request) { [self] response in
            guard let found = HTMLScan.attribute(ChatGPTSite.buildAttribute, ofFirst: "html", in: response.body),
                  Self.fitsAField(found) else {
                return fail(502, "the page of \(origin.authority) has no <html \(ChatGPTSite.buildAttribute)>: "
                            + "the site changed (see ChatGPTSite)")
            }
            build = found
            worker.chatgpt.build.update(found, now: now)
            account.bootstrapped(epochMs: BrowserClock.epochMilliseconds(), now: now)
            requirements()
        }
    }

    /// Generation C: conduit, then sentinel prepare; generation B: the one requirements call.
    private func requirements() {
        switch generation {
        case .c2026: conduitPrepare()
        case .b2024: sentinelCall(ChatGPTSite.requirementsPath, step: .requirements)
        }
    }

    private func conduitPrepare() {
        enter(.conduit)
        let path = ChatGPTSite.conduitPreparePath
        var fields = siteFields(path: path)
        fields.append(HTTPField(ChatGPTSite.conduitTokenHeader, conduitToken))
        send(json(path, fields: fields, body.conduitPrepareBody())) { [self] response in
            guard let token = member("conduit_token", of: response) else { return }
            conduitToken = token
            sentinelCall(ChatGPTSite.sentinelPreparePath, step: .prepare)
        }
    }

    private func sentinelCall(_ path: String, step: TurnStep) {
        enter(step)
        guard let config = sentinelConfig() else { return }
        let p = "{\"p\":\"" + config.requirementsToken(generation) + "\"}"
        send(json(path, fields: siteFields(path: path), Array(p.utf8))) { [self] response in
            guard let answer = JSONObjectReader.value(response.body) else {
                return fail(502, "the answer is not JSON")
            }
            turnstileAsked = answer["turnstile"]?["required"]?.bool == true || answer["so"] != nil
            if generation == .c2026 {
                guard let token = answer["prepare_token"]?.string, !token.isEmpty else {
                    return fail(502, "the answer has no \"prepare_token\"")
                }
                prepareToken = token
            }
            proofOfWork(answer["proofofwork"], config: config) { [self] proof in
                switch generation {
                case .c2026: finalize(proof: proof)
                case .b2024:
                    guard let token = answer["token"]?.string, Self.fitsAField(token) else {
                        return fail(502, "the answer has no \"token\"")
                    }
                    finish(requirementsToken: token, proof: proof)
                }
            }
        }
    }

    /// Solves the proof the answer asks for, if any, on the worker's solver; a difficulty over the
    /// maximum or a search without an answer fetches new requirements (twice at most).
    private func proofOfWork(_ asked: JSONValue?, config: SentinelConfig, then: @escaping (String?) -> Void) {
        guard let asked, asked["required"]?.bool == true else { return then(nil) }
        enter(.proofOfWork)
        guard let seed = asked["seed"]?.string, let difficulty = asked["difficulty"]?.string,
              let search = ProofSearch(seed: seed, difficulty: difficulty, config: config, generation: generation),
              let expected = ProofSearch.expectedTries(difficulty) else {
            return fail(502, "the requirements hold no usable seed and difficulty")
        }
        log.difficulty = difficulty
        switch TurnPolicy.proof(expected: expected, maximum: worker.configuration.powMaxExpectedTries,
                                refetches: refetches) {
        case .solve:
            break
        case .refetch:
            refetches += 1
            return requirements()
        case .tooHard:
            worker.metrics.proof(.tooHard)
            Log.debug(log.line(ok: false))
            let maximum = worker.configuration.powMaxDifficulty
            return complete(.failure(ProxyError(503, "chatgpt proof of work difficulty \(difficulty) is harder "
                                                + "than PROXYD_POW_MAX_DIFFICULTY (\(maximum))")))
        }
        self.search = search
        let queued = worker.chatgpt.solver.solve(search) { [weak self] outcome in
            guard let self, self.completion != nil else { return }
            self.search = nil
            self.log.tries += search.tries
            let nanoseconds = self.stepEnded(status: nil)
            let result: ProofResult = if case .found = outcome { .found } else { .exhausted }
            self.worker.metrics.proof(result, nanoseconds: nanoseconds)
            switch outcome {
            case .found(let proof):
                then(proof)
            case .exhausted where TurnPolicy.refetchAfterExhausted(refetches: self.refetches):
                self.refetches += 1
                self.requirements()
            case .exhausted, .pending:
                // What the browser sends when its search failed; the site decides what it is worth.
                then(ProofSearch.failedProof(self.generation))
            }
        }
        if !queued {
            worker.metrics.proof(.busy)
            self.search = nil
            let limit = worker.configuration.powMaxSolves
            fail(503, "proxyd is already solving \(limit) proofs of work on this worker (PROXYD_POW_MAX_SOLVES); "
                 + "try again shortly")
        }
    }

    private func finalize(proof: String?) {
        enter(.finalize)
        let path = ChatGPTSite.sentinelFinalizePath
        var text = "{\"prepare_token\":" + LocalResponse.jsonString(prepareToken ?? "")
        if let proof { text += ",\"proofofwork\":" + LocalResponse.jsonString(proof) }
        text += "}"
        send(json(path, fields: siteFields(path: path), Array(text.utf8))) { [self] response in
            guard let token = member("token", of: response) else { return }
            finish(requirementsToken: token, proof: proof)
        }
    }

    private func finish(requirementsToken: String, proof: String?) {
        let path = generation == .c2026 ? ChatGPTSite.conversationPath : ChatGPTSite.legacyConversationPath
        var fields = siteFields(path: path)
        fields.append(HTTPField("accept", "text/event-stream"))
        fields.append(HTTPField("content-type", "application/json"))
        fields.append(HTTPField(ChatGPTSite.requirementsTokenHeader, requirementsToken))
        log.sent.append("requirements token")
        if let proof {
            fields.append(HTTPField(ChatGPTSite.proofTokenHeader, proof))
            log.sent.append("proof token")
        }
        if generation == .c2026 {
            fields.append(HTTPField(ChatGPTSite.conduitTokenHeader, conduitToken))
            fields.append(HTTPField(ChatGPTSite.turnTraceHeader, UUIDText.version4()))
            log.sent.append("conduit token")
        }
        account.pinDeviceCookie(site: origin)
        if let cookie = account.jar.cookieHeader(for: FlowURL(origin, path)) { fields.append(HTTPField("cookie", cookie)) }
        log.sent.append("cookies")
        let plan = TurnPlan(path: path, fields: fields, body: body.prepared(for: generation), page: body.conversationPage,
                            route: transport.currentRoute(), jar: account.jar, url: FlowURL(origin, path))
        Log.debug(log.line(ok: true))
        complete(.success(plan))
    }

    // MARK: requests

    /// The fields the web app puts on every call of the sequence, describing the client and the call.
    private func siteFields(path: String) -> [HTTPField] {
        var fields = [
            HTTPField("authorization", authorization),
            HTTPField(ChatGPTSite.deviceIDHeader, account.identity.deviceID),
            HTTPField(ChatGPTSite.languageHeader, ChatGPTSite.language),
        ]
        if generation == .c2026 {
            fields += [
                HTTPField(ChatGPTSite.sessionIDHeader, account.sessionID),
                HTTPField(ChatGPTSite.clientVersionHeader, build ?? ""),
                HTTPField(ChatGPTSite.buildNumberHeader, worker.configuration.chatgptBuildNumber),
                HTTPField(ChatGPTSite.targetPathHeader, path),
                HTTPField(ChatGPTSite.targetRouteHeader, path),
            ]
        }
        return fields
    }

    private func json(_ path: String, fields: [HTTPField], _ bytes: [UInt8]) -> FlowRequest {
        FlowRequest("POST", FlowURL(origin, path), kind: .api,
                    fields: fields + [HTTPField("content-type", "application/json")], body: bytes)
    }

    /// The config array as this account's page would build it now.
    private func sentinelConfig() -> SentinelConfig? {
        guard let userAgent = worker.profile.fetch?.fixedValue(of: "user-agent") else {
            fail(502, "the \(worker.configuration.tlsProfile.rawValue) profile sends no User-Agent to put in the "
                 + "sentinel's config (use a browser profile)")
            return nil
        }
        let epochMs = BrowserClock.epochMilliseconds()
        return SentinelConfig(userAgent: userAgent, buildID: build ?? "", deviceID: account.identity.deviceID,
                              dateText: BrowserClock.dateText(epochSeconds: Int64(epochMs / 1000)),
                              performanceNow: account.performanceNow(now), timeOrigin: account.timeOrigin ?? epochMs)
    }

    private func enter(_ step: TurnStep) {
        self.step = step
        stepStarted = worker.loop.nowNanos
    }

    /// Sends one step's request; a 2xx answer goes to `next`, anything else ends the turn (or, a 403
    /// the first time, starts it over with a fresh build id).
    private func send(_ request: FlowRequest, _ next: @escaping (FlowResponse) -> Void) {
        guard completion != nil else { return }
        // The site's own oai-did would part the cookie from the oai-device-id header; the web app keeps them equal.
        account.pinDeviceCookie(site: origin)
        session.send(request) { [self] result in
            guard completion != nil else { return }
            switch result {
            case .failure(let error):
                stepEnded(status: nil)
                fail(error.status, error.message)
            case .success(let exchange):
                let response = exchange.response
                stepEnded(status: response.status)
                if (200..<300).contains(response.status) { return next(response) }
                refused(response)
            }
        }
    }

    /// The step under way ended, with the site's `status` (nil: no answer, or the proof of work): its line in the
    /// turn's log and its metrics. Returns how long it took.
    @discardableResult
    private func stepEnded(status: Int?) -> UInt64 {
        let nanoseconds = worker.loop.nowNanos &- stepStarted
        log.record(step, status: status, ms: nanoseconds / 1_000_000)
        let result: StepResult = status.map { (200..<300).contains($0) ? .ok : .refused } ?? .failed
        worker.metrics.handshakeStep(step, result, nanoseconds: nanoseconds)
        return nanoseconds
    }

    private func refused(_ response: FlowResponse) {
        let status = response.status
        if status == 403 { worker.chatgpt.build.markStale() }
        switch TurnPolicy.refused(status: status, step: step, restarted: restarted, turnstileAsked: turnstileAsked) {
        case .restart:
            restarted = true
            conduitToken = ChatGPTSite.noConduitToken
            prepareToken = nil
            turnstileAsked = false
            Log.debug("chatgpt \(step.rawValue) answered 403: bootstrapping again with a fresh build id")
            bootstrap()
        case .fail(let answer, let turnstile):
            var reason = "upstream answered \(status)"
            if let detail = SiteRefusal.detail(of: response.body) { reason += ": " + detail }
            if turnstile { reason += " (the site now requires a turnstile answer, which proxyd does not compute)" }
            fail(answer, reason, retryAfter: status == 429 ? SiteRefusal.retryAfter(fields: response.fields,
                                                                                    body: response.body) : nil)
        }
    }

    /// What the site hands over goes into header fields: visible ASCII only, so no answer can add a
    /// line or a field to the requests that carry it.
    static func fitsAField(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// A string member of a 2xx JSON answer that fits a header field, or nil after failing the turn.
    private func member(_ name: String, of response: FlowResponse) -> String? {
        guard let value = JSONObjectReader.value(response.body)?[name]?.string, Self.fitsAField(value) else {
            fail(502, "the answer has no \"\(name)\" that fits a header field")
            return nil
        }
        return value
    }

    private func fail(_ status: Int, _ reason: String, retryAfter: String? = nil) {
        let error = ProxyError(status, "chatgpt \(step.rawValue): " + reason, retryAfter: retryAfter)
        Log.debug(log.line(ok: false))
        complete(.failure(error))
    }

    private func complete(_ result: Result<TurnPlan, ProxyError>) {
        guard let completion else { return }
        self.completion = nil
        session.isCancelled = true
        completion(result)
    }
}

/// The steps of a turn, named as errors, the debug line and `proxyd chatgpt-check` show them.
package enum TurnStep: String, Sendable {
    case bootstrap
    case conduit = "conduit prepare"
    case prepare = "sentinel prepare"
    case requirements = "sentinel requirements"
    case proofOfWork = "proof of work"
    case finalize = "sentinel finalize"
}

/// The steps of one turn, with their statuses and milliseconds, and which tokens went on the
/// conversation: the debug line of a turn and the report of `proxyd chatgpt-check`. Never a token's,
/// cookie's or body's value.
package struct TurnLog {
    package struct Step {
        package var step: TurnStep
        /// The upstream's status; nil for the proof of work, or a step that failed in the network.
        package var status: Int?
        package var milliseconds: UInt64
    }

    let generation: SentinelGeneration
    package private(set) var steps: [Step] = []
    /// The proof of work asked for, if any.
    package var difficulty: String?
    package var tries = 0
    package var sent: [String] = []

    init(generation: SentinelGeneration) {
        self.generation = generation
    }

    mutating func record(_ step: TurnStep, status: Int?, ms: UInt64) {
        steps.append(Step(step: step, status: status, milliseconds: ms))
    }

    /// What a step came to: the upstream's status, or the proof's difficulty and tries.
    package func outcome(of step: Step) -> String {
        if step.step == .proofOfWork { return "difficulty \(difficulty ?? "?"), \(tries) tries" }
        return step.status.map { "status \($0)" } ?? "failed"
    }

    func line(ok: Bool) -> String {
        let name = generation == .c2026 ? "2026" : "2024"
        let parts = steps.map { "\($0.step.rawValue) \(outcome(of: $0)), \($0.milliseconds) ms" }
        return "chatgpt turn (sentinel \(name)): " + parts.joined(separator: "; ")
            + (ok ? "; sent: " + sent.joined(separator: ", ") : "; failed")
    }
}

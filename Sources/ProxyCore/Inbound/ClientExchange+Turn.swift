/// A conversation turn's and an /imitate/v1 call's part of an exchange: the body read whole, the handshake,
/// the conversation call it plans, and the imitation's answer carried out (ended, continued, failed).
extension ClientExchange {
    /// An /imitate/v1 call to the site carries what the web app's would, not the OpenAI client's fields:
    /// the client's token, then the account's device fields and cookies.
    func siteCall(_ head: RequestHead, path: String) -> RequestHead {
        var head = head
        head.fields.removeAll { !ClientImitation.passes($0) }
        head.fields += account(authorization: authorization(of: head)).siteFields(site: worker.configuration.chatgpt,
                                                                                   path: path)
        return head
    }

    private func authorization(of head: RequestHead) -> String {
        head.value(of: "authorization") ?? ""
    }

    private func account(authorization: String) -> ChatGPTAccount {
        worker.chatgpt.accounts.account(for: AccountIdentity(authorization: authorization), now: now)
    }

    // MARK: a conversation turn

    /// Reads the turn's body whole, then starts its handshake (or a continuation's, set aside for this turn).
    func collectTurnBody() {
        guard let generation = turn.generation else { return }
        if let continuation = turn.continuation {
            turn.continuation = nil
            return handshake(generation, continuation)
        }
        guard turn.collecting else { return }
        let limit = ConversationBody.limit(worker.configuration)
        guard readBody(limit: limit, while: { true }, into: { turn.body.append(contentsOf: $0) }) else { return }
        guard state.body == .complete else { return }
        turn.collecting = false
        var collected = turn.body
        turn.body = []
        if let imitation {
            switch imitation.prepare(collected, worker.configuration, tokenizer: worker.tokenizer) {
            case .failure(let error): return end(imitate: error)
            case .success(let body): collected = body
            }
        }
        handshake(generation, collected)
    }

    /// Runs the turn's handshake for the conversation body `bytes`.
    private func handshake(_ generation: SentinelGeneration, _ bytes: [UInt8]) {
        guard let request else { return }
        guard let body = ConversationBody(bytes) else {
            return end(answer: ProxyError(400, "conversation request body is not a JSON object"))
        }
        let authorization = authorization(of: request)
        let handshake = SentinelTurn(worker: worker, generation: generation, account: account(authorization: authorization),
                                     authorization: authorization, body: body) { [unowned self] result in
            self.turnFinished(result)
        }
        turn.handshake = handshake
        handshake.start()
    }

    /// The handshake ended: the conversation goes upstream with its tokens, or the client gets the error.
    private func turnFinished(_ result: Result<TurnPlan, ProxyError>) {
        turn.handshake = nil
        guard isActive, var head = request, var forward else { return }
        switch result {
        case .failure(let error):
            Log.info("\(error.status) \(head.method) \(pathOnly(head.target)): \(error.message)")
            end(answer: error)
        case .success(let plan):
            // What an OpenAI client sends is not what the web app sends (a continuation's head is the last call's).
            if imitation != nil { head.fields.removeAll { !ClientImitation.passes($0) } }
            plan.apply(to: &head, &forward)
            request = head
            self.forward = forward
            plan.body.withUnsafeBytes { bodyQueue.append($0) }
            state.prepared(bodyBytes: plan.body.count)
            turn.carry(plan)
            attach()
        }
        connection.updateTimer()
    }

    // MARK: an /imitate/v1 call's answer

    /// The site's answer head: the client's head is the imitation's to write, when it has something to say.
    func imitationReceived(_ head: ResponseHead, _ imitation: ClientImitation) {
        state.responseHeadReceived(now: now)
        if turn.answered(head) { worker.chatgpt.build.markStale() }
        // Unsent request body bytes (a models call may carry some) would be misread as the next request.
        if !state.bodyFullyRead { connection.mustClose() }
        if let error = imitation.received(head) { refuseResponse(error) }
    }

    /// The imitation took upstream body bytes. Returns whether the upstream may send more.
    func imitationTook(_ progress: ImitateAnswer.Progress) -> Bool {
        guard imitationProgressed(progress) else { return true }
        return upstreamMaySend()
    }

    /// Carries out what a read led to; false when the exchange ended (a stop string, max_tokens, a failure), the
    /// upstream's stream cancelled since nothing more of it is wanted.
    func imitationProgressed(_ progress: ImitateAnswer.Progress) -> Bool {
        switch progress {
        case .reading:
            return true
        case .finished:
            release()
            end()
        case .failed(let error):
            release()
            logImitation(error)
            end(imitate: error)
        }
        return false
    }

    /// The site's answer ended: the client's is complete, continues with another turn, or failed.
    func imitationEnded() {
        guard let imitation else { return }
        switch imitation.ended() {
        case .finished:
            end()
        case .failed(let error):
            logImitation(error)
            end(imitate: error)
        case .continueTurn(let body):
            state.continueTurn(now: now)
            placement.reset()
            turn.continuation = body
            worker.loop.runSoon(connection)
        }
    }

    /// An /imitate/v1 call failed: an event ends the stream if it started, else the error is the answer.
    func end(imitate error: ImitateError, keepAlive: Bool = true) {
        if imitation?.streamFailed(error) == true {
            if !keepAlive { connection.mustClose() }
            return end()
        }
        reset()
        connection.answer(error, keepAlive: keepAlive)
    }

    private func logImitation(_ error: ImitateError) {
        Log.info("\(error.status) \(requestMethod) \(pathOnly(request?.target ?? "")): \(error.message)")
    }
}

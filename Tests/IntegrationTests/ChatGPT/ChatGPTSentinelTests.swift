import Dispatch
import Foundation
import XCTest

/// The 2026 handshake (generation C, the default) against the strict fake, over HTTP/2 when proxyd offers it.
final class ChatGPTSentinelTests: ChatGPTTestCase {
    static let buildNumber = "5541234"

    override class func chatGPTSettings() throws -> [String: String] {
        ["PROXYD_CHATGPT_BUILD_NUMBER": buildNumber]
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        fake.configure { $0.expectedBuildNumber = Self.buildNumber }
    }

    func testAFullTurnInTheDeltaFormatStreamsByteForByteAsItArrives() throws {
        fake.configure { $0.streamDelayMs = 40 }
        let mark = fake.mark
        let turn = try turn(body: FakeChatGPTTurnBody.make(encodings: ["v1"]))
        guard let record = assertTurnSucceeded(turn, since: mark) else { return }
        XCTAssertEqual(steps(since: mark), [.conduit, .sentinelPrepare, .sentinelFinalize, .conversation])
        XCTAssertTrue(turn.response.bodyText.hasPrefix("event: delta_encoding\ndata: \"v1\"\n\n"), turn.response.bodyText)
        XCTAssertEqual(record.header("authorization"), "Bearer " + Self.accountA)
        XCTAssertEqual(record.header("oai-client-build-number"), Self.buildNumber)
        // Seven writes 40 ms apart: a relay that buffered would deliver the first byte after the last write.
        let writes = fake.streamWrites(of: record)
        XCTAssertEqual(writes.count, FakeChatGPTStream.writeCount)
        if let first = turn.firstBodyByte, let last = writes.last?.time {
            let lead = Self.monotonicSeconds(last) - Self.monotonicSeconds(first)
            XCTAssertGreaterThan(lead, 0.1, "the first byte reached the client only \(lead) s before the fake's last write")
        }
    }

    func testAFullTurnInTheFullMessageFormat() throws {
        for encodings in [nil, []] as [[String]?] {
            let mark = fake.mark
            let turn = try turn(body: FakeChatGPTTurnBody.make(encodings: encodings))
            assertTurnSucceeded(turn, since: mark)
            XCTAssertTrue(turn.response.bodyText.hasPrefix("data: {\"conversation_id\""), turn.response.bodyText)
            XCTAssertTrue(turn.response.bodyText.hasSuffix("data: [DONE]\n\n"))
        }
    }

    /// All three routes run the handshake and end on /backend-api/f/conversation.
    func testEveryConversationRouteRunsTheHandshake() throws {
        for route in ["/chatgpt/conversation", "/chatgpt/backend-api/conversation", "/chatgpt/backend-api/f/conversation"] {
            let mark = fake.mark
            assertTurnSucceeded(try turn(route), since: mark)
            XCTAssertEqual(steps(since: mark), [.conduit, .sentinelPrepare, .sentinelFinalize, .conversation], route)
        }
    }

    func testABodyThatHasAPrepareStateIsSentAsItIs() throws {
        let mark = fake.mark
        let body = FakeChatGPTTurnBody.make(extra: #","client_prepare_state":"success""#)
        let record = assertTurnSucceeded(try turn(body: body), since: mark)
        XCTAssertEqual(record?.request.body, body)
    }

    /// Each account keeps one device id, one session id and its own cookies; nothing of one reaches the other.
    func testTenConcurrentTurnsFromTwoAccounts() throws {
        let mark = fake.mark
        let tokens = (0..<10).map { $0 % 2 == 0 ? Self.accountA : Self.accountB }
        var turns = [Result<Turn, Error>?](repeating: nil, count: 10)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 10) { index in
            let result = Result { try self.turn(token: tokens[index], timeout: 60) }
            lock.withLock { turns[index] = result }
        }
        for result in turns { assertTurnSucceeded(try XCTUnwrap(result).get(), since: mark) }

        let records = fake.records(since: mark).filter { $0.step != .bootstrap }
        XCTAssertEqual(fake.records(.sentinelFinalize, since: mark).count, 10)
        var devices: [String: Set<String>] = [:]
        var sessions: [String: Set<String>] = [:]
        var jars: [String: Set<String>] = [:]
        for record in records {
            let account = try XCTUnwrap(record.account, "\(record.path) without an account")
            devices[account, default: []].insert(record.header("oai-device-id") ?? "none")
            sessions[account, default: []].insert(record.header("oai-session-id") ?? "none")
            jars[account, default: []].insert(record.cookies["oai-sc"] ?? "none")
            XCTAssertEqual(record.cookies["oai-did"], record.header("oai-device-id"))
        }
        XCTAssertEqual(Set(devices.keys), ["acct-itest-a", "acct-itest-b"])
        for account in devices.keys {
            XCTAssertEqual(devices[account]?.count, 1, "\(account) used device ids \(devices[account] ?? [])")
            XCTAssertEqual(sessions[account]?.count, 1, "\(account) used session ids \(sessions[account] ?? [])")
        }
        XCTAssertTrue((devices["acct-itest-a"] ?? []).isDisjoint(with: devices["acct-itest-b"] ?? []))
        XCTAssertTrue((sessions["acct-itest-a"] ?? []).isDisjoint(with: sessions["acct-itest-b"] ?? []))
        XCTAssertTrue((jars["acct-itest-a"] ?? []).isDisjoint(with: jars["acct-itest-b"] ?? []), "a bootstrap's cookies went to both accounts")
        let conversations = fake.records(.conversation, since: mark)
        XCTAssertEqual(Set(conversations.compactMap { $0.header("openai-sentinel-chat-requirements-token") }).count, 10)
        XCTAssertEqual(Set(conversations.compactMap { $0.header("x-oai-turn-trace-id") }).count, 10)
    }

    /// A client doing its own handshake is relayed as it is; the site's 403 for its spent token comes back unchanged.
    func testAClientsOwnSpentTokenIsRelayedUntouchedAndTheSites403ReachesIt() throws {
        let reference = try FakeChatGPTReferenceClient(site: fake, pki: env.pki, accountID: "acct-itest-own")
        reference.buildNumber = Self.buildNumber
        try reference.bootstrap()
        let spent = try reference.handshakeC()
        _ = try reference.converse(FakeChatGPTTurnBody.make(), tokens: spent)

        for (route, upstreamPath) in [("/chatgpt/conversation", "/backend-api/conversation"),
                                      ("/chatgpt/backend-api/f/conversation", "/backend-api/f/conversation")] {
            let mark = fake.mark
            let turn = try turn(route, headers: [("openai-sentinel-chat-requirements-token", spent.requirements)])
            XCTAssertEqual(turn.response.status, 403, explain(turn, since: mark))
            XCTAssertEqual(turn.response.bodyText, FakeChatGPTState.unusualActivity)
            XCTAssertEqual(turn.response.header("content-type"), "application/json")
            let records = fake.records(since: mark)
            XCTAssertEqual(records.map(\.path), [upstreamPath], "only the client's own request went up")
            guard let record = records.first else { continue }
            XCTAssertEqual(record.request.body, turn.clientBody)
            XCTAssertEqual(record.header("openai-sentinel-chat-requirements-token"), spent.requirements)
            for added in ["openai-sentinel-proof-token", "x-conduit-token", "oai-device-id", "x-oai-turn-trace-id"] {
                XCTAssertNil(record.header(added), "\(added) added to a client's own handshake")
            }
        }
    }

    /// The conversation's own refusal (here the site's 403 and a 429) reaches the client as the site sent it.
    func testTheConversationsRefusalReachesTheClientUnchanged() throws {
        for (status, body) in [(403, FakeChatGPTState.unusualActivity), (429, #"{"detail":"Too many requests","clears_in":37}"#)] {
            fake.configure { $0.refusals[.conversation] = (status, body) }
            let mark = fake.mark
            let turn = try turn()
            XCTAssertEqual(turn.response.status, status, explain(turn, since: mark))
            XCTAssertEqual(turn.response.bodyText, body)
        }
    }

    func testADifficultyAboveTheMaximumAnswers503AfterThreeRequirementFetches() throws {
        try assertTooHardDifficultyAnswers503(fetching: .sentinelPrepare)
    }

    func testTwoHardDifficultiesThenAnEasyOneStillMakeATurn() throws {
        fake.configure { $0.nextDifficulties = ["000010", "000010"] }
        let mark = fake.mark
        assertTurnSucceeded(try turn(), since: mark)
        XCTAssertEqual(fake.records(.sentinelPrepare, since: mark).count, 3)
    }

    func testAHandshakeStepRefusedWith401AnswersThatStatusNamingTheStep() throws {
        let expired = #"{"detail":"Your authentication token has expired. Please try signing in again."}"#
        for (step, name) in [(FakeChatGPTStep.sentinelPrepare, "prepare"), (.sentinelFinalize, "finalize")] {
            fake.resetKnobs()
            fake.configure {
                $0.expectedBuildNumber = Self.buildNumber
                $0.refusals[step] = (401, expired)
            }
            let mark = fake.mark
            let turn = try turn()
            assertProxydError(turn.response, status: 401, messageContains: [name, "401"])
            XCTAssertTrue(turn.response.errorMessage.hasPrefix("chatgpt sentinel"), turn.response.errorMessage)
            XCTAssertEqual(fake.records(.conversation, since: mark).count, 0)
        }
    }

    /// The handshake's requests and proofs as the metrics count them: every step the fake saw, and how it ended.
    func testHandshakeStepsAndProofsAreCounted() throws {
        let admin = try XCTUnwrap(env.proxyd.adminPort)
        let before = try MetricsScrape.fetch(adminPort: admin)
        let mark = fake.mark
        assertTurnSucceeded(try turn(), since: mark)
        fake.configure { $0.refusals[.sentinelFinalize] = (401, #"{"detail":"expired"}"#) }
        assertProxydError(try turn().response, status: 401, messageContains: ["finalize"])
        let after = try MetricsScrape.fetch(adminPort: admin)

        let steps: [(FakeChatGPTStep, String)] = [
            (.bootstrap, "bootstrap"), (.conduit, "conduit_prepare"), (.sentinelPrepare, "sentinel_prepare"),
            (.sentinelFinalize, "sentinel_finalize"), (.requirements, "sentinel_requirements"),
        ]
        for (step, label) in steps {
            let seen = Double(fake.records(step, since: mark).count)
            let refused: Double = step == .sentinelFinalize ? 1 : 0
            func counted(_ result: String) -> Double {
                before.delta(to: after, "proxyd_chatgpt_handshake_steps_total", ["step": label, "result": result])
            }
            XCTAssertEqual(counted("ok"), seen - refused, label)
            XCTAssertEqual(counted("refused"), refused, label)
            XCTAssertEqual(counted("failed"), 0, label)
            XCTAssertEqual(before.delta(to: after, "proxyd_chatgpt_handshake_step_seconds_count", ["step": label]), seen, label)
        }
        XCTAssertEqual(before.delta(to: after, "proxyd_chatgpt_pow_solves_total", ["result": "found"]), 2, "a proof per turn")
        XCTAssertEqual(before.delta(to: after, "proxyd_chatgpt_pow_solves_total"), 2)
        XCTAssertEqual(before.delta(to: after, "proxyd_chatgpt_pow_seconds_count"), 2)
        XCTAssertEqual(before.delta(to: after, "proxyd_requests_total", ["route": "chatgpt", "status_class": "2xx"]), 1)
        XCTAssertEqual(before.delta(to: after, "proxyd_requests_total", ["route": "chatgpt", "status_class": "4xx"]), 1)
    }

    func testAFinalizeRefusedForWantOfTurnstileSaysSo() throws {
        fake.configure { $0.turnstileRequired = true }
        let mark = fake.mark
        let turn = try turn()
        assertProxydError(turn.response, status: 403, messageContains: ["turnstile"])
        XCTAssertEqual(fake.records(.conversation, since: mark).count, 0)
    }

    /// A turn that continues a conversation is sent from that conversation's page.
    func testAContinuedConversationIsSentFromItsPage() throws {
        let mark = fake.mark
        let id = "6751a0b2-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
        let turn = try turn(body: FakeChatGPTTurnBody.make(extra: #","conversation_id":"\#(id)""#))
        guard let record = assertTurnSucceeded(turn, since: mark) else { return }
        XCTAssertEqual(record.header("referer"), fake.origin + "/c/" + id)
    }
}

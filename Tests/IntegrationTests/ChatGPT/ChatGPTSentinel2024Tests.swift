import XCTest

/// PROXYD_CHATGPT_SENTINEL=2024 (generation B: one requirements call, SHA3-512 proofs, /backend-api/conversation)
/// against a fake that speaks only HTTP/1.1, so both of its protocols carry a handshake.
final class ChatGPTSentinel2024Tests: ChatGPTTestCase {
    override class func chatGPTSettings() throws -> [String: String] { ["PROXYD_CHATGPT_SENTINEL": "2024"] }
    override class func fakeALPN() -> [String] { ["http/1.1"] }

    func testAFullTurnInBothFormatsSendsTheClientsBytes() throws {
        for (encodings, prefix) in [(["v1"], "event: delta_encoding\n"), (nil, "data: {\"conversation_id\"")] as [([String]?, String)] {
            let mark = fake.mark
            let turn = try turn(body: FakeChatGPTTurnBody.make(encodings: encodings))
            guard let record = assertTurnSucceeded(turn, since: mark, generation: .b2024) else { continue }
            XCTAssertEqual(record.request.body, turn.clientBody)
            XCTAssertEqual(steps(since: mark), [.requirements, .legacyConversation])
            XCTAssertTrue(turn.response.bodyText.hasPrefix(prefix), turn.response.bodyText)
            XCTAssertEqual(fake.connection(of: record)?.protocolName, "http/1.1")
            let proof = record.header("openai-sentinel-proof-token") ?? ""
            XCTAssertTrue(proof.hasPrefix("gAAAAAB") && !proof.hasSuffix("~S"), proof)
        }
    }

    func testTheBackendRouteRunsTheHandshakeToo() throws {
        let mark = fake.mark
        assertTurnSucceeded(try turn("/chatgpt/backend-api/conversation"), since: mark, generation: .b2024)
        XCTAssertEqual(steps(since: mark), [.requirements, .legacyConversation])
    }

    func testADifficultyAboveTheMaximumAnswers503AfterThreeRequirementFetches() throws {
        try assertTooHardDifficultyAnswers503(fetching: .requirements)
    }
}

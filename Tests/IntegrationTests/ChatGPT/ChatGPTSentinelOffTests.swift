import XCTest

/// PROXYD_CHATGPT_SENTINEL=off: a pure relay, which the strict fake refuses as the site refuses a 2023 client.
final class ChatGPTSentinelOffTests: ChatGPTTestCase {
    override class func chatGPTSettings() throws -> [String: String] { ["PROXYD_CHATGPT_SENTINEL": "off"] }

    func testTheConversationIsRelayedUntouchedAndTheSitesRefusalComesBack() throws {
        for (route, upstreamPath) in [("/chatgpt/conversation", "/backend-api/conversation"),
                                      ("/chatgpt/backend-api/f/conversation", "/backend-api/f/conversation")] {
            let mark = fake.mark
            let turn = try turn(route)
            XCTAssertEqual(turn.response.status, 403, explain(turn, since: mark))
            XCTAssertEqual(turn.response.bodyText, FakeChatGPTState.unusualActivity)
            let records = fake.records(since: mark)
            XCTAssertEqual(records.map(\.path), [upstreamPath], "no handshake step in off mode")
            guard let record = records.first else { continue }
            XCTAssertEqual(record.request.body, turn.clientBody)
            // The Chrome profile offers h2 and the fake prefers it: this also exercises the fake's HTTP/2 side.
            XCTAssertEqual(fake.connection(of: record)?.protocolName, "h2")
            XCTAssertEqual(record.header("authorization"), "Bearer " + Self.accountA)
            XCTAssertTrue(record.refusal?.contains("chat-requirements token missing") == true, record.refusal ?? "")
            for added in ["openai-sentinel-chat-requirements-token", "openai-sentinel-proof-token", "oai-device-id"] {
                XCTAssertNil(record.header(added), "\(added) added in off mode")
            }
        }
    }
}

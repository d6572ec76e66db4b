import XCTest

/// One worker, so the turn after the one that got a cookie is served by the same account state.
final class ChatGPTCookieTests: ChatGPTTestCase {
    override class func chatGPTSettings() throws -> [String: String] { ["PROXYD_WORKERS": "1"] }

    /// A cookie the conversation's answer sets reaches the client and stays with the account, as in a browser.
    func testTheConversationsCookiesStayWithTheAccount() throws {
        fake.configure { $0.conversationCookie = "oai-conv-itest=fresh-1; Path=/; Secure" }
        let mark = fake.mark
        let first = try turn(token: Self.accountB)
        assertTurnSucceeded(first, since: mark)
        XCTAssertEqual(first.response.header("set-cookie"), "oai-conv-itest=fresh-1; Path=/; Secure")
        fake.resetKnobs()
        let next = fake.mark
        assertTurnSucceeded(try turn(token: Self.accountB), since: next)
        assertTurnSucceeded(try turn(token: Self.accountA), since: next)
        let records = fake.records(since: next)
        XCTAssertFalse(records.isEmpty)
        for record in records {
            let expected = record.account == "acct-itest-b" ? "fresh-1" : nil
            XCTAssertEqual(record.cookies["oai-conv-itest"], expected, "\(record.path) of \(record.account ?? "?")")
        }
    }
}

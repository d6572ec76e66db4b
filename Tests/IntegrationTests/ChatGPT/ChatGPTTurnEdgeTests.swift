import Dispatch
import Foundation
import XCTest

/// A turn's edges on one worker that may search one proof at a time: bodies it refuses, a chunked body,
/// the solver's bound, and a client that leaves while its proof is searched.
final class ChatGPTTurnEdgeTests: ChatGPTTestCase {
    /// Each of a turn's three searches at this difficulty almost surely runs its whole 500,000 tries.
    private static let endless = "000000"

    override class func chatGPTSettings() throws -> [String: String] {
        ["PROXYD_WORKERS": "1", "PROXYD_POW_MAX_SOLVES": "1", "PROXYD_POW_MAX_DIFFICULTY": endless]
    }

    private func head(_ extra: String) -> String {
        "POST /chatgpt/conversation HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(Self.accountA)\r\n"
            + "Content-Type: application/json\r\n\(extra)\r\n"
    }

    func testABodyThatIsNoJSONObjectIs400AndNothingGoesUpstream() throws {
        let mark = fake.mark
        let turn = try turn(body: Array("[\"hello\"]".utf8))
        assertProxydError(turn.response, status: 400, messageContains: ["not a JSON object"])
        XCTAssertEqual(fake.records(since: mark).count, 0)
    }

    func testABodyOverTheTurnLimitIs413BeforeItIsRead() throws {
        let connection = try connect()
        try connection.send(head("Content-Length: \((4 << 20) + 1)\r\n"))
        let response = try connection.readResponse(method: "POST")
        assertProxydError(response, status: 413, messageContains: ["over the limit of 4194304 bytes"])
    }

    func testAChunkedBodyIsCollectedWhole() throws {
        let mark = fake.mark
        let body = FakeChatGPTTurnBody.make()
        let half = body.count / 2
        let connection = try connect()
        try connection.send(head("Transfer-Encoding: chunked\r\n"))
        for piece in [body[..<half], body[half...]] {
            try connection.send(String(piece.count, radix: 16) + "\r\n")
            try connection.send(Array(piece) + Array("\r\n".utf8))
        }
        try connection.send("0\r\n\r\n")
        let response = try connection.readResponse(method: "POST")
        assertTurnSucceeded(Turn(clientBody: body, response: response, firstBodyByte: nil), since: mark)
    }

    /// With one search allowed, a second turn that needs one while the first searches is told so; once the
    /// first client leaves, its search stops and frees the place at once (it would run on for its
    /// 1.5 million tries otherwise, and the next turn would be refused too).
    func testTheSolverBoundAndAClientThatLeavesMidSearch() throws {
        fake.configure { $0.difficulty = Self.endless }
        let mark = fake.mark
        do {
            let leaving = try connect()
            let body = FakeChatGPTTurnBody.make()
            try leaving.send(Array(head("Content-Length: \(body.count)\r\n").utf8) + body)
            XCTAssertTrue(fake.wait(timeout: 20) { $0.dropFirst(mark).contains { $0.step == .sentinelPrepare } })
            let refused = try turn()
            assertProxydError(refused.response, status: 503, messageContains: ["PROXYD_POW_MAX_SOLVES"])
        }  // the first client leaves mid-search: its connection closes here
        fake.configure { $0.difficulty = "0fffff" }
        usleep(100_000)
        let after = fake.mark
        assertTurnSucceeded(try turn(), since: after)
    }
}

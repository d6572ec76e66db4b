import XCTest

/// A class of its own (a rotated build makes the next turn meet a 403, which other tests would see), with one
/// worker, so the turn after the rotation is served by the worker that holds the old build.
final class ChatGPTBuildRefreshTests: ChatGPTTestCase {
    override class func chatGPTSettings() throws -> [String: String] { ["PROXYD_WORKERS": "1"] }

    /// After the site moves to a new build, the next turn goes through: a step refused for its stale build
    /// (403) makes proxyd fetch the page again and start the handshake over, within the same turn.
    func testTheBuildIsRefreshedAfterA403() throws {
        let before = fake.mark  // taken first: arguments are evaluated in order, the turn would come before it
        assertTurnSucceeded(try turn(), since: before)
        let mark = fake.mark
        let build = fake.rotateBuild()
        let next = try turn()
        XCTAssertEqual(next.response.status, 200, explain(next, since: mark))
        let refusals = fake.refusals(since: mark)
        XCTAssertEqual(refusals.count, 1, "one step refused for the old build, then the handshake over: \(refusals)")
        XCTAssertTrue(refusals.allSatisfy { $0.contains("oai-client-version") }, "\(refusals)")
        XCTAssertFalse(fake.records(.bootstrap, since: mark).isEmpty, "no new GET / after the build changed")
        let conversation = fake.records(.conversation, since: mark).last
        XCTAssertEqual(conversation?.header("oai-client-version"), build)
        XCTAssertEqual(conversation?.status, 200)
    }
}

import XCTest

/// A class of its own: rotating the fake's build leaves every other worker of this proxyd with the old one,
/// which its next turn repairs with a 403 and a fresh bootstrap, and a test sharing the fake would see that 403.
final class ChatGPTBuildRefreshTests: ChatGPTTestCase {
    /// After the site moves to a new build, proxyd's next turns refetch `GET /` and carry the new build.
    func testTheBuildIsRefreshedAfterA403() throws {
        let before = fake.mark  // taken first: arguments are evaluated in order, the turn would come before it
        assertTurnSucceeded(try turn(), since: before)
        let mark = fake.mark
        let build = fake.rotateBuild()
        var first = try turn()
        if first.response.status != 200 {
            XCTAssertEqual(first.response.status, 403, explain(first, since: mark))
            XCTAssertTrue(fake.refusals(since: mark).allSatisfy { $0.contains("oai-client-version") }, "\(fake.refusals(since: mark))")
            let retryMark = fake.mark
            first = try turn()
            guard let record = assertTurnSucceeded(first, since: retryMark) else { return }
            XCTAssertEqual(record.header("oai-client-version"), build)
        } else {
            let conversation = fake.records(.conversation, since: mark).last
            XCTAssertEqual(conversation?.header("oai-client-version"), build)
        }
        XCTAssertFalse(fake.records(.bootstrap, since: mark).isEmpty, "no new GET / after the build changed")
    }
}

import XCTest

/// Every step of a turn goes through the configured upstream proxy (microsocks): the fake sees no connection
/// from proxyd itself.
final class ChatGPTThroughSOCKSTests: ChatGPTTestCase {
    override class func chatGPTSettings() throws -> [String: String] {
        let daemon = try ProxyDaemons.start(for: self, .microsocks())
        return ["PROXYD_UPSTREAM_PROXY": "socks5://127.0.0.1:\(daemon.port)"]
    }

    func testEveryStepWentThroughMicrosocks() throws {
        let daemon = try XCTUnwrap(ProxyDaemons.running(for: Self.self))
        let mark = fake.mark
        assertTurnSucceeded(try turn(), since: mark)
        let records = fake.records(since: mark)
        XCTAssertTrue(records.contains { $0.step == .bootstrap }, "the first turn bootstraps")
        XCTAssertEqual(Set(records.compactMap(\.step)), [.bootstrap, .conduit, .sentinelPrepare, .sentinelFinalize, .conversation])
        for record in records {
            let connection = try XCTUnwrap(fake.connection(of: record))
            XCTAssertEqual(connection.senderPID, daemon.pid,
                           "\(record.path) arrived on a connection from pid \(connection.senderPID.map(String.init) ?? "unknown"), "
                           + "not microsocks (\(daemon.pid)); proxyd is \(env.proxyd.pid)")
        }
    }
}

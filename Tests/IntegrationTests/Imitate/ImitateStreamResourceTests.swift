import Dispatch
import Foundation
import XCTest

/// What a streamed answer costs proxyd: a large answer passes with flat memory, and a client that leaves
/// mid-stream cancels the upstream stream at once.
final class ImitateStreamResourceTests: ImitateTestCase {
    /// 1 MB of text in 16,384 deltas, one message: proxyd holds that message's text once (the converter must,
    /// to apply the site's truncate and replace), so it grows by about the message, never by events × text.
    func testALargeMessageCostsOneCopyOfItsText() throws {
        let size = 1 << 20
        let (growth, content) = try streamedGrowth(.large(bytes: size))
        XCTAssertEqual(content.utf8.count, size / 64 * 64, "the whole answer")
        XCTAssertTrue(content.hasPrefix(FakeAnswerScript.largePiece(0, bytes: 64)))
        XCTAssertTrue(content.hasSuffix(FakeAnswerScript.largePiece(size / 64 - 1, bytes: 64)))
        XCTAssertLessThan(growth, 2 * size / 1024, "proxyd grew by \(growth) kB for a \(size / 1024) kB message")
    }

    /// 4 MB as 64 messages of 64 kB: memory follows the current message, not the answer. (Measured: about
    /// 600 kB of growth for 1 MB and for 4 MB alike, malloc's arenas and the buffers included.)
    func testALargeAnswerOfManyMessagesStreamsWithFlatMemory() throws {
        let size = 4 << 20, messages = 64
        var script = FakeAnswerScript.large(bytes: size / messages)
        script.messages = Array(repeating: script.messages[0], count: messages)
        let (growth, content) = try streamedGrowth(script)
        XCTAssertEqual(content.utf8.count, size, "the whole answer")
        XCTAssertLessThan(growth, size / 1024 / 4, "proxyd grew by \(growth) kB for a \(size / 1024) kB answer")
    }

    /// Streams `script` after a small warm-up answer (what a first answer allocates once, pools, buffers, TLS,
    /// is then in the baseline): proxyd's peak resident growth in kB, and the content the client got.
    private func streamedGrowth(_ script: FakeAnswerScript) throws -> (growth: Int, content: String) {
        fake.configure { $0.answer = .text(["warm ", "up"]) }
        _ = try readWhole(try openCompletion(Self.request(stream: true)))
        let baseline = try XCTUnwrap(proxydRSS())
        fake.configure { $0.answer = script }
        let mark = fake.mark
        let connection = try openCompletion(Self.request(stream: true), timeout: 60)
        let head = try connection.readHead()
        XCTAssertEqual(head.status, 200)
        var peak = baseline
        var received = 0
        let response = try connection.readBody(for: head, method: "POST") { piece, _ in
            received += piece.count
            if received % 65_536 < piece.count, let rss = self.proxydRSS() { peak = max(peak, rss) }
        }
        peak = max(peak, proxydRSS() ?? 0)
        let lines = Self.dataLines(response.bodyText)
        XCTAssertEqual(lines.last, "[DONE]")
        var content = ""
        for line in lines.dropLast() {
            let chunk = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            let delta = (chunk?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]
            content += delta?["content"] as? String ?? ""
        }
        XCTAssertEqual(fake.refusals(since: mark), [])
        return (peak - baseline, content)
    }

    /// The client closes its connection after the first chunks: the fake sees its stream cancelled (HTTP/2
    /// RST_STREAM) within about a second, long before the answer would have ended.
    func testAClientThatLeavesCancelsTheUpstreamStream() throws {
        var script = FakeAnswerScript(messages: [.generated(count: 2_000) { "word\($0) " }])
        script.delayMs = { _ in 5 }
        fake.configure { $0.answer = script }
        let mark = fake.mark
        var connection: RawHTTPConnection? = try openCompletion(Self.request(stream: true))
        let head = try XCTUnwrap(connection).readHead()
        XCTAssertEqual(head.status, 200)
        var seen: [UInt8] = []
        while !String(decoding: seen, as: UTF8.self).contains("word3 ") {
            let piece = try XCTUnwrap(connection).readRaw(upTo: 4096)
            guard !piece.isEmpty else { return XCTFail("proxyd closed: \(String(decoding: seen, as: UTF8.self))") }
            seen += piece
        }
        connection = nil  // closes the socket
        let left = DispatchTime.now().uptimeNanoseconds
        XCTAssertNil(connection)

        let record = try XCTUnwrap(fake.records(.conversation, since: mark).first)
        let end = try XCTUnwrap(fake.waitForStreamEnd(of: record, timeout: 5), "the upstream stream never ended")
        XCTAssertTrue(end.cancelled, "the fake wrote the whole answer to a client that had left")
        XCTAssertLessThan(Double(end.time &- left) / 1e9, 1.0, "cancelled \(Double(end.time &- left) / 1e9) s after the client left")
        XCTAssertLessThan(end.writes, 1_000, "cancelled long before the end")
        assertStillServing()
    }

    private func readWhole(_ connection: RawHTTPConnection) throws -> RawResponse {
        try connection.readBody(for: try connection.readHead(), method: "POST")
    }
}

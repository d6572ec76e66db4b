import Dispatch
import Foundation
import XCTest

/// What a streamed answer costs proxyd: a large answer passes with flat memory, and a client that leaves
/// mid-stream cancels the upstream stream at once.
final class ImitateStreamResourceTests: ImitateTestCase {
    /// 1 MB of text in 16,384 deltas: proxyd's resident memory while it streams grows by far less than the answer.
    func testALargeAnswerStreamsWithFlatMemory() throws {
        let size = 1 << 20
        // A small answer first, so what a first answer allocates once (pools, buffers, TLS) is in the baseline.
        fake.configure { $0.answer = .text(["warm ", "up"]) }
        _ = try readWhole(try openCompletion(Self.request(stream: true)))
        let baseline = try XCTUnwrap(proxydRSS())

        fake.configure { $0.answer = .large(bytes: size) }
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
        XCTAssertEqual(content.utf8.count, size / 64 * 64, "the whole answer")
        XCTAssertTrue(content.hasPrefix(FakeAnswerScript.largePiece(0, bytes: 64)))
        XCTAssertTrue(content.hasSuffix(FakeAnswerScript.largePiece(size / 64 - 1, bytes: 64)))
        XCTAssertEqual(fake.refusals(since: mark), [])
        let growth = peak - baseline
        XCTAssertLessThan(growth, size / 1024 / 2, "proxyd grew by \(growth) kB (baseline \(baseline) kB) for a \(size / 1024) kB answer")
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

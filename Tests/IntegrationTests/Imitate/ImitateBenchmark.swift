import Dispatch
import Foundation
import XCTest

/// What /imitate/v1 costs proxyd against relaying the same answer byte for byte on /chatgpt/conversation:
/// CPU per streamed answer, and resident memory per concurrent slow stream, each kind of stream measured on a
/// proxyd of its own (memory freed by one kind would make the other look cheaper). `Benchmarks/imitate.sh`
/// runs these with the release binary (PROXYD_BINARY) and PROXYD_BENCH_IMITATE=1; the suite skips them.
/// Numbers are printed for Benchmarks/RESULTS.md, never asserted: the asserts are that every answer went through.
class SlowStreamBenchmarkCase: ImitateTestCase {
    override class var countsTokens: Bool { true }

    override class func imitateSettings() -> [String: String] {
        // A thousand handshakes at once against the debug fake take longer than the tests' 15 s.
        ["PROXYD_WORKERS": "1", "PROXYD_LOG_LEVEL": "warning", "PROXYD_POW_MAX_SOLVES": "1024",
         "PROXYD_UPSTREAM_TIMEOUT": "120"]
    }

    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["PROXYD_BENCH_IMITATE"] == "1",
                          "a benchmark: Benchmarks/imitate.sh runs it")
        try super.setUpWithError()
    }

    /// 1,000 deltas of 8 bytes each, 16 events a write: an 8 kB answer as the site streams it.
    private static let answer: FakeAnswerScript = {
        var script = FakeAnswerScript.text((0..<1000).map { String(format: "word%03d ", $0 % 1000) })
        script.eventsPerWrite = 16
        script.cutWrites = false
        script.delayMs = { _ in 0 }
        return script
    }()

    /// 1,000 slow streams of one kind at once.
    func printMemoryPerSlowStream(imitate: Bool) throws {
        let slow = 1000
        // The account's first turn bootstraps its page: out of the way, as for the CPU measurement.
        fake.configure { $0.answer = .text(["warm"]) }
        XCTAssertEqual(try turn().response.status, 200)
        let kB = try memoryPerSlowStream(slow, imitate: imitate)
        print(String(format: "imitate bench: resident memory per open slow stream (%d at once) %@: %.1f kB", slow,
                     imitate ? "on /imitate/v1" : "relayed on /chatgpt/conversation", kB))
    }

    func cpuPerAnswers() throws {
        let rounds = 100
        fake.configure { $0.answer = Self.answer }
        _ = try relayed()
        _ = try imitated(["stream": true])
        let relay = try cpuPerAnswer(rounds) { try self.relayed() }
        let stream = try cpuPerAnswer(rounds) { try self.imitated(["stream": true]) }
        let usage = try cpuPerAnswer(rounds) { try self.imitated(["stream": true, "stream_options": ["include_usage": true]]) }
        let whole = try cpuPerAnswer(rounds) { try self.imitated(["stream": false]) }
        print(String(format: "imitate bench: CPU per 1,000-delta answer (with its handshake): relayed %.2f ms, "
                     + "/imitate/v1 streamed %.2f ms (+%.1f µs per delta), with usage %.2f ms, not streamed %.2f ms",
                     relay, stream, (stream - relay) * 1000 / 1000, usage, whole))
    }

    // MARK: one answer each way

    /// The site's answer relayed as it is (the client asks for the same delta encoding).
    private func relayed() throws -> Int {
        let turn = try turn(body: FakeChatGPTTurnBody.make(encodings: ["v1"]))
        XCTAssertEqual(turn.response.status, 200)
        return turn.response.body.count
    }

    private func imitated(_ options: [String: Any]) throws -> Int {
        let response = try readAll(try openCompletion(Self.request(stream: true, extra: options), timeout: 60))
        XCTAssertEqual(response.status, 200, response.bodyText.prefix(300) + "")
        return response.body.count
    }

    private func readAll(_ connection: RawHTTPConnection) throws -> RawResponse {
        try connection.readBody(for: try connection.readHead(), method: "POST")
    }

    // MARK: measuring

    /// proxyd's user + system CPU per call of `body`, in ms, from /proc/PID/stat (clock ticks).
    private func cpuPerAnswer(_ rounds: Int, _ body: () throws -> Int) throws -> Double {
        let before = try cpuTicks()
        for _ in 0..<rounds { _ = try body() }
        return Double(try cpuTicks() - before) * 1000 / Double(sysconf(Int32(_SC_CLK_TCK))) / Double(rounds)
    }

    private func cpuTicks() throws -> Int {
        let stat = try String(contentsOfFile: "/proc/\(env.proxyd.pid)/stat", encoding: .utf8)
        // Fields after the command's closing parenthesis: state is the first, utime the 12th, stime the 13th.
        let fields = stat[stat.range(of: ")", options: .backwards)!.upperBound...].split(separator: " ")
        return Int(fields[11])! + Int(fields[12])!
    }

    /// `count` streams open at once, each an answer written over about 15 s: proxyd's resident growth per stream
    /// once all have their head, against before they opened.
    private func memoryPerSlowStream(_ count: Int, imitate: Bool) throws -> Double {
        var script = FakeAnswerScript.text(Array(repeating: "slow ", count: 60))
        script.cutWrites = false
        script.delayMs = { _ in 250 }
        fake.configure { $0.answer = script }
        usleep(500_000)
        let before = try XCTUnwrap(proxydRSS())
        var open: [RawHTTPConnection] = []
        for _ in 0..<count {
            let connection = try connect(timeout: 60)
            if imitate {
                let body = Array(try JSONSerialization.data(withJSONObject: Self.request(stream: true)))
                try connection.send(RequestBuilder.build("POST", "/imitate/v1/chat/completions", headers: [
                    ("Authorization", "Bearer " + ChatGPTTestCase.accountA), ("Content-Type", "application/json"),
                ], body: body))
            } else {
                try connection.send(RequestBuilder.build("POST", "/chatgpt/conversation", headers: [
                    ("Authorization", "Bearer " + ChatGPTTestCase.accountA), ("Content-Type", "application/json"),
                    ("Accept", "text/event-stream"),
                ], body: FakeChatGPTTurnBody.make(encodings: ["v1"])))
            }
            open.append(connection)
        }
        for connection in open { XCTAssertEqual(try connection.readHead().status, 200) }
        let during = try XCTUnwrap(proxydRSS())
        open.removeAll()
        return Double(during - before) / Double(count)
    }
}

final class ImitateBenchmark: SlowStreamBenchmarkCase {
    func testConverterCostAndMemoryPerSlowStream() throws {
        try cpuPerAnswers()
        try printMemoryPerSlowStream(imitate: true)
    }
}

final class ImitateRelayBenchmark: SlowStreamBenchmarkCase {
    func testRelayedMemoryPerSlowStream() throws {
        try printMemoryPerSlowStream(imitate: false)
    }
}

import Dispatch
import Foundation
import XCTest

/// What the handshake costs a client, against the fake site: `Benchmarks/sentinel.sh` runs this with the
/// release binary (PROXYD_BINARY) and PROXYD_BENCH_SENTINEL=1; the suite skips it. Numbers are printed
/// for Benchmarks/RESULTS.md, never asserted: the asserts are that every turn went through.
final class SentinelBenchmark: ChatGPTTestCase {
    override class func chatGPTSettings() throws -> [String: String] {
        ["PROXYD_WORKERS": "1", "PROXYD_LOG_LEVEL": "warning"]
    }

    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["PROXYD_BENCH_SENTINEL"] == "1",
                          "a benchmark: Benchmarks/sentinel.sh runs it")
        try super.setUpWithError()
    }

    func testHandshakeLatencyAndPlainLatencyDuringSolves() throws {
        let rounds = 40
        // The fake paces its streams to show they are relayed as written; here only the handshake is timed.
        fake.configure { $0.streamDelayMs = 0 }
        // Warm: bootstrap and connections out of the way.
        _ = try turn()
        // The same request relayed without a handshake (the client brings its own, spent, token): the fake's
        // 403 comes back after one round trip, the baseline the handshake adds to.
        var relayed: [Double] = []
        var handshaken: [Double] = []
        for _ in 0..<rounds {
            var start = DispatchTime.now().uptimeNanoseconds
            let plain = try turn(headers: [("openai-sentinel-chat-requirements-token", "spent")])
            XCTAssertEqual(plain.response.status, 403)
            relayed.append(Self.milliseconds(since: start))
            start = DispatchTime.now().uptimeNanoseconds
            let full = try turn()
            XCTAssertEqual(full.response.status, 200)
            handshaken.append(Self.milliseconds(since: start))
        }
        let easy = Self.median(handshaken) - Self.median(relayed)

        // Plain requests on the same (only) worker while searches at 000032 run back to back.
        fake.configure {
            $0.streamDelayMs = 0
            $0.difficulty = "000032"
        }
        let solving = DispatchGroup()
        let stop = StopFlag()
        for _ in 0..<2 {
            DispatchQueue.global().async(group: solving) {
                while !stop.isSet { _ = try? self.turn() }
            }
        }
        usleep(200_000)
        var plain: [Double] = []
        for _ in 0..<200 {
            let start = DispatchTime.now().uptimeNanoseconds
            XCTAssertEqual(try request("GET", "/platform/v1/models").status, 200)
            plain.append(Self.milliseconds(since: start))
        }
        stop.set()
        solving.wait()
        fake.resetKnobs()
        var idle: [Double] = []
        for _ in 0..<200 {
            let start = DispatchTime.now().uptimeNanoseconds
            XCTAssertEqual(try request("GET", "/platform/v1/models").status, 200)
            idle.append(Self.milliseconds(since: start))
        }
        print(String(format: "sentinel bench: turn p50 %.2f ms with the handshake, %.2f ms relayed: %.2f ms added; "
                     + "plain request p50 %.2f ms / p99 %.2f ms while two turns solve 000032, %.2f ms / %.2f ms idle",
                     Self.median(handshaken), Self.median(relayed), easy, Self.median(plain), Self.percentile(plain, 0.99),
                     Self.median(idle), Self.percentile(idle, 0.99)))
    }

    private static func milliseconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    private static func median(_ values: [Double]) -> Double { percentile(values, 0.5) }

    private static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}

private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}

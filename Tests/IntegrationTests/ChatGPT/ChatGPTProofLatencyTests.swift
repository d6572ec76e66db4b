import Dispatch
import Foundation
import XCTest

/// A hard proof on proxyd's only worker while plain requests keep arriving on it: the search must not stall them.
final class ChatGPTProofLatencyTests: ChatGPTTestCase {
    /// About 16.8 million expected tries: each of the three searches almost surely runs its whole 500,000
    /// tries (a find within the first few thousand, which would leave too short a window to measure, has a
    /// chance well under 1%).
    static let hardDifficulty = "000000"

    override class func chatGPTSettings() throws -> [String: String] {
        ["PROXYD_WORKERS": "1", "PROXYD_POW_MAX_DIFFICULTY": hardDifficulty]
    }

    func testPlainRequestsKeepTheirLatencyWhileAHardProofIsSearched() throws {
        let before = fake.mark  // taken before the turn: arguments are evaluated in order
        assertTurnSucceeded(try turn(), since: before)  // bootstrap out of the way
        fake.configure { $0.difficulty = Self.hardDifficulty }
        let mark = fake.mark
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        DispatchQueue.global().async {
            outcome.result = Result { try self.turn(timeout: 120) }
            done.signal()
        }
        XCTAssertTrue(fake.wait(timeout: 30) { records in records.dropFirst(mark).contains { $0.step == .sentinelPrepare } },
                      "no sentinel prepare within 30 s")

        var samples: [(start: UInt64, seconds: Double)] = []
        let deadline = DispatchTime.now().uptimeNanoseconds + 120_000_000_000
        while done.wait(timeout: .now()) == .timedOut && DispatchTime.now().uptimeNanoseconds < deadline {
            let start = DispatchTime.now().uptimeNanoseconds
            let response = try request("GET", "/platform/v1/models")
            XCTAssertEqual(response.status, 200)
            samples.append((start, Self.monotonicSeconds(DispatchTime.now().uptimeNanoseconds - start)))
            usleep(2_000)
        }
        let turn = try XCTUnwrap(outcome.result, "the turn did not end within 120 s").get()

        // Only what was measured while a hard search ran counts: from each prepare's answer to the next step.
        let records = fake.records(since: mark)
        var windows: [(UInt64, UInt64)] = []
        for (index, record) in records.enumerated() where record.step == .sentinelPrepare {
            let end = index + 1 < records.count ? records[index + 1].time : DispatchTime.now().uptimeNanoseconds
            windows.append((record.time, end))
        }
        let during = samples.filter { sample in windows.contains { sample.start >= $0.0 && sample.start < $0.1 } }
            .map(\.seconds).sorted()
        let searched = windows.reduce(0.0) { $0 + Self.monotonicSeconds($1.1 - $1.0) }
        XCTAssertGreaterThanOrEqual(during.count, 5, "only \(during.count) requests measured during \(searched) s of search")
        guard !during.isEmpty else { return }
        let p50 = during[during.count / 2]
        let worst = during[during.count - 1]
        XCTAssertLessThan(p50, 0.05, "p50 \(p50) s over \(during.count) requests during \(searched) s of search")
        XCTAssertLessThan(worst, 1.0, "slowest \(worst) s during the search")
        // Whether the search found an answer within its tries is luck at this difficulty; the turn must end cleanly.
        XCTAssertTrue([200, 403, 503].contains(turn.response.status), explain(turn, since: mark))
        print("proof latency: \(during.count) requests during \(searched) s of search, p50 \(p50) s, max \(worst) s, "
              + "turn \(turn.response.status)")
    }

    /// The background turn's result, handed over under a lock.
    private final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Result<Turn, Error>?
        var result: Result<Turn, Error>? {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }
}

@testable import ProxyCore
import XCTest

/// GCRA's arithmetic, through the key's decision as the workers make it.
final class RequestRateTests: XCTestCase {
    private let start = LimitTest.start, second = LimitTest.second

    func testBurstThenOneEveryInterval() {
        let limiter = KeyLimiter(KeyLimits(requestsPerMinute: 60, burst: 5))
        for expected in (0...5).reversed() {
            XCTAssertEqual(LimitTest.decide(limiter, at: start).status?.requests?.remaining, expected)
        }
        // Six taken: the seventh waits exactly one interval, one microsecond short is still refused.
        XCTAssertEqual(LimitTest.decide(limiter, at: start).refusal?.retryAfterMillis, 1000)
        XCTAssertEqual(LimitTest.decide(limiter, at: start + second - 1).refusal?.retryAfterMillis, 1)
        for step in 1...10 {
            let now = start + Int64(step) * second
            XCTAssertEqual(LimitTest.decide(limiter, at: now).status?.requests?.remaining, 0, "step \(step)")
            XCTAssertEqual(LimitTest.decide(limiter, at: now).refusal?.retryAfterMillis, 1000, "step \(step)")
        }
    }

    func testRetryAfterIsTheExactGapRoundedUpToTheMillisecond() {
        let limiter = KeyLimiter(KeyLimits(requestsPerMinute: 60))
        _ = LimitTest.decide(limiter, at: start)
        let refusal = LimitTest.decide(limiter, at: start + 149_500).refusal
        XCTAssertEqual(refusal, LimitRefusal(kind: .requests, limit: 60, retryAfterMillis: 851, resetMillis: 851))
        XCTAssertEqual(refusal?.shouldRetry, true)
        // At the refusal's time plus its wait (the exact 850,500 µs), the request is admitted.
        XCTAssertNotNil(LimitTest.decide(limiter, at: start + 149_500 + 850_500).status)
    }

    func testLongIdleBanksNoMoreThanTheBurst() {
        let limiter = KeyLimiter(KeyLimits(requestsPerMinute: 600, burst: 3))
        _ = LimitTest.decide(limiter, at: start)
        let later = start + 3600 * second
        for _ in 0..<4 { XCTAssertNotNil(LimitTest.decide(limiter, at: later).status) }
        XCTAssertEqual(LimitTest.decide(limiter, at: later).refusal?.retryAfterMillis, 100)
    }

    func testResetIsTheTimeUntilTheWholeBurstIsBack() {
        let limiter = KeyLimiter(KeyLimits(requestsPerMinute: 60, burst: 2))
        XCTAssertEqual(LimitTest.decide(limiter, at: start).status?.requests,
                       LimitCount(limit: 60, remaining: 2, resetMillis: 1000))
        XCTAssertEqual(LimitTest.decide(limiter, at: start).status?.requests?.resetMillis, 2000)
        XCTAssertEqual(LimitTest.decide(limiter, at: start + 500_000).status?.requests,
                       LimitCount(limit: 60, remaining: 0, resetMillis: 2500))
        // Refused: one more after 500 ms, the whole burst 2.5 s from now.
        XCTAssertEqual(LimitTest.decide(limiter, at: start + 500_000).refusal,
                       LimitRefusal(kind: .requests, limit: 60, retryAfterMillis: 500, resetMillis: 2500))
    }

    /// 7 does not divide a minute: the interval rounds up, so a client that sends each request the moment it may
    /// gets its burst and 7 more in a minute (its first included), where a rounded-down interval
    /// (7 × 8,571,428 µs, inside the minute) would admit one more.
    func testARateThatDoesNotDivideTheMinuteNeverAdmitsMore() {
        let rule = RateRule(perMinute: 7, burst: 2)
        XCTAssertEqual(rule.interval, 8_571_429)
        var tat: Int64 = 0, now = start, admitted = 0
        while now <= start + 60 * second {
            if let next = rule.admitting(tat: tat, now: now) {
                tat = next
                admitted += 1
            } else {
                now += rule.wait(tat: tat, now: now)
            }
        }
        XCTAssertEqual(admitted, 2 + 7)
    }

    func testTheRuleAtItsBounds() {
        let fastest = RateRule(perMinute: KeyLimits.perMinuteRange.upperBound, burst: 0)
        XCTAssertEqual(fastest.interval, 1)
        XCTAssertEqual(fastest.admitting(tat: start, now: start), start + 1)
        XCTAssertNil(fastest.admitting(tat: start + 1, now: start))
        XCTAssertEqual(fastest.wait(tat: start + 1, now: start), 1)
        let slowest = RateRule(perMinute: 1, burst: KeyLimits.burstRange.upperBound)
        XCTAssertEqual(slowest.remaining(tat: 0, now: start), 1_000_001)
        XCTAssertEqual(RateRule.millis(roundingUp: 1), 1)
        XCTAssertEqual(RateRule.millis(roundingUp: 1000), 1)
        XCTAssertEqual(RateRule.millis(roundingUp: 1001), 2)
    }

    /// Two threads on one key at the same moment: the shared TAT admits exactly the burst.
    func testTheSharedRateIsExactAcrossTwoThreads() throws {
        let limiter = KeyLimiter(KeyLimits(requestsPerMinute: 60, burst: 999, requestsPerDay: 100_000))
        let counts = try runOnTwoThreads(iterations: 20_000) { _ in
            LimitTest.decide(limiter, at: LimitTest.start).status != nil
        }
        XCTAssertEqual(counts.reduce(0, +), 1000)
        // The daily count gave back every request the rate refused after the day counted it.
        XCTAssertEqual(LimitTest.decide(limiter, at: start + second).status?.requestsPerDay?.remaining, 100_000 - 1001)
    }
}


@testable import ProxyCore
import XCTest

final class DailyQuotaTests: XCTestCase {
    private let day = DailyQuota.dayMillis
    /// The last second of 2026-12-08 UTC.
    private let lastSecond = LimitTest.noon + DailyQuota.dayMillis / 2 - 1000

    func testUsedUpUntilUTCMidnightThenAFreshDay() {
        let limiter = KeyLimiter(KeyLimits(requestsPerDay: 3))
        for remaining in [2, 1, 0] {
            XCTAssertEqual(LimitTest.decide(limiter, at: LimitTest.start, wallMillis: lastSecond).status?.requestsPerDay,
                           LimitCount(limit: 3, remaining: remaining, resetMillis: 1000))
        }
        let refusal = LimitTest.decide(limiter, at: LimitTest.start, wallMillis: lastSecond + 999).refusal
        XCTAssertEqual(refusal, LimitRefusal(kind: .requestsPerDay, limit: 3, retryAfterMillis: 1, resetMillis: 1))
        XCTAssertEqual(refusal?.shouldRetry, false)
        let midnight = lastSecond + 1000
        XCTAssertEqual(LimitTest.decide(limiter, at: LimitTest.start, wallMillis: midnight).status?.requestsPerDay,
                       LimitCount(limit: 3, remaining: 2, resetMillis: day))
    }

    /// A worker whose clock is a little behind, after another has started the new day, counts into the new day.
    func testAClockBehindCountsIntoTheDayAlreadyStarted() {
        let quota = DailyQuota()
        let midnight = lastSecond + 1000
        XCTAssertEqual(quota.take(limit: 5, wallMillis: midnight + 10), .taken(day: 20_796, used: 1))
        XCTAssertEqual(quota.take(limit: 5, wallMillis: midnight - 10), .taken(day: 20_796, used: 2))
        XCTAssertNil(quota.usedUp(limit: 5, wallMillis: midnight - 10))
    }

    func testGivingBackUncountsOnlyOnTheSameDay() {
        let quota = DailyQuota()
        guard case .taken(let today, _) = quota.take(limit: 2, wallMillis: lastSecond) else { return XCTFail("not taken") }
        _ = quota.take(limit: 2, wallMillis: lastSecond)
        XCTAssertEqual(quota.usedUp(limit: 2, wallMillis: lastSecond), 1000)
        quota.giveBack(day: today)
        XCTAssertNil(quota.usedUp(limit: 2, wallMillis: lastSecond))
        XCTAssertEqual(quota.take(limit: 2, wallMillis: lastSecond), .taken(day: today, used: 2))
        // A new day began between a take and its give-back: the new day's count never held it.
        XCTAssertEqual(quota.take(limit: 2, wallMillis: lastSecond + 1000), .taken(day: today + 1, used: 1))
        quota.giveBack(day: today)
        XCTAssertEqual(quota.take(limit: 2, wallMillis: lastSecond + 1000), .taken(day: today + 1, used: 2))
        XCTAssertEqual(quota.take(limit: 2, wallMillis: lastSecond + 1000), .usedUp(untilMidnight: day))
    }

    func testTheLargestQuotaFitsItsBits() {
        let limiter = KeyLimiter(KeyLimits(requestsPerDay: DailyQuota.maxLimit))
        XCTAssertEqual(LimitTest.decide(limiter, at: LimitTest.start, wallMillis: lastSecond).status?.requestsPerDay,
                       LimitCount(limit: DailyQuota.maxLimit, remaining: DailyQuota.maxLimit - 1, resetMillis: 1000))
    }

    func testTwoThreadsCountEveryRequestOnce() throws {
        let limiter = KeyLimiter(KeyLimits(requestsPerDay: 30_000))
        let admitted = try runOnTwoThreads(iterations: 20_000) { _ in
            LimitTest.decide(limiter, at: LimitTest.start).status != nil
        }
        XCTAssertEqual(admitted.reduce(0, +), 30_000)
    }
}

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
        let quota = DailyQuota(limit: 5)
        let midnight = lastSecond + 1000
        XCTAssertEqual(quota.take(wallMillis: midnight + 10), .taken(day: 20_796, used: 1))
        XCTAssertEqual(quota.take(wallMillis: midnight - 10), .taken(day: 20_796, used: 2))
        XCTAssertNil(quota.usedUp(wallMillis: midnight - 10))
    }

    func testGivingBackUncountsOnlyOnTheSameDay() {
        let quota = DailyQuota(limit: 2)
        guard case .taken(let today, _) = quota.take(wallMillis: lastSecond) else { return XCTFail("not taken") }
        _ = quota.take(wallMillis: lastSecond)
        XCTAssertEqual(quota.usedUp(wallMillis: lastSecond), 1000)
        quota.giveBack(day: today)
        XCTAssertNil(quota.usedUp(wallMillis: lastSecond))
        XCTAssertEqual(quota.take(wallMillis: lastSecond), .taken(day: today, used: 2))
        // A new day began between a take and its give-back: the new day's count never held it.
        XCTAssertEqual(quota.take(wallMillis: lastSecond + 1000), .taken(day: today + 1, used: 1))
        quota.giveBack(day: today)
        XCTAssertEqual(quota.take(wallMillis: lastSecond + 1000), .taken(day: today + 1, used: 2))
        XCTAssertEqual(quota.take(wallMillis: lastSecond + 1000), .usedUp(untilMidnight: day))
    }

    func testTheLargestQuotaFitsItsBits() {
        let quota = DailyQuota(limit: DailyQuota.maxLimit)
        XCTAssertEqual(quota.take(wallMillis: lastSecond), .taken(day: 20_795, used: 1))
        XCTAssertNil(DailyQuota(limit: nil).usedUp(wallMillis: lastSecond))
        XCTAssertEqual(DailyQuota(limit: nil).take(wallMillis: lastSecond), .unlimited)
    }

    func testTwoThreadsCountEveryRequestOnce() throws {
        let limiter = KeyLimiter(KeyLimits(requestsPerDay: 30_000))
        let admitted = try runOnTwoThreads(iterations: 20_000) { _ in
            LimitTest.decide(limiter, at: LimitTest.start).status != nil
        }
        XCTAssertEqual(admitted.reduce(0, +), 30_000)
    }
}

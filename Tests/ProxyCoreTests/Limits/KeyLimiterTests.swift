@testable import ProxyCore
import XCTest

/// The combined decision: which limit refuses first, and what a refused request consumes (nothing).
final class KeyLimiterTests: XCTestCase {
    private let start = LimitTest.start, second = LimitTest.second

    func testAKeyWithoutLimitsAdmitsWithNoStatus() {
        let limiter = KeyLimiter(KeyLimits())
        for _ in 0..<1000 { XCTAssertEqual(LimitTest.decide(limiter, at: start), .admitted(LimitStatus())) }
        XCTAssertEqual(limiter.streamsInUse, 0)
    }

    func testStreamsAreHeldUntilTheAdmissionGoes() {
        let limiter = KeyLimiter(KeyLimits(concurrentStreams: 2))
        let first = LimitTest.decideHolding(limiter, at: start)
        XCTAssertEqual(first.outcome.status?.streams, LimitCount(limit: 2, remaining: 1))
        let second = LimitTest.decideHolding(limiter, at: start)
        XCTAssertEqual(second.outcome.status?.streams, LimitCount(limit: 2, remaining: 0))
        XCTAssertEqual(LimitTest.decide(limiter, at: start).refusal, LimitRefusal(kind: .streams, limit: 2))
        XCTAssertEqual(limiter.streamsInUse, 2)
        first.held?.release()
        first.held?.release()  // the admission is gone: the second call gives nothing back
        XCTAssertEqual(limiter.streamsInUse, 1)
        XCTAssertNotNil(LimitTest.decide(limiter, at: start).status, "released at once by the helper")
        second.held?.admission = nil  // dropped: released too
        XCTAssertEqual(limiter.streamsInUse, 0)
    }

    func testAcquireAndReleaseFromTwoThreadsEndsExact() throws {
        let limiter = KeyLimiter(KeyLimits(concurrentStreams: 3))
        let admitted = try runOnTwoThreads(iterations: 200_000) { _ in
            let (outcome, held) = LimitTest.decideHolding(limiter, at: LimitTest.start)
            precondition(limiter.streamsInUse <= 3, "more streams than the limit")
            held?.release()
            return outcome.status != nil
        }
        XCTAssertEqual(limiter.streamsInUse, 0)
        XCTAssertGreaterThan(admitted.reduce(0, +), 0)
    }

    func testARateRefusalConsumesNoDailyQuota() {
        let limiter = KeyLimiter(KeyLimits(requestsPerMinute: 60, requestsPerDay: 10))
        XCTAssertEqual(LimitTest.decide(limiter, at: start).status?.requestsPerDay?.remaining, 9)
        for _ in 0..<5 { XCTAssertEqual(LimitTest.decide(limiter, at: start).refusal?.kind, .requests) }
        XCTAssertEqual(LimitTest.decide(limiter, at: start + second).status?.requestsPerDay?.remaining, 8)
    }

    func testAStreamsRefusalConsumesNeitherRateNorDay() {
        let limiter = KeyLimiter(KeyLimits(requestsPerMinute: 60, burst: 2, concurrentStreams: 1, requestsPerDay: 10))
        let stream = LimitTest.decideHolding(limiter, at: start)
        XCTAssertEqual(stream.outcome.status, LimitStatus(
            requests: LimitCount(limit: 60, remaining: 2, resetMillis: 1000),
            streams: LimitCount(limit: 1, remaining: 0),
            requestsPerDay: LimitCount(limit: 10, remaining: 9, resetMillis: DailyQuota.dayMillis / 2)))
        for _ in 0..<5 { XCTAssertEqual(LimitTest.decide(limiter, at: start).refusal?.kind, .streams) }
        stream.held?.release()
        let next = LimitTest.decide(limiter, at: start).status
        XCTAssertEqual(next?.requests?.remaining, 1)
        XCTAssertEqual(next?.requestsPerDay?.remaining, 8)
    }

    func testADailyRefusalConsumesNoRate() {
        let limiter = KeyLimiter(KeyLimits(requestsPerMinute: 60, burst: 4, requestsPerDay: 2))
        _ = LimitTest.decide(limiter, at: start)
        _ = LimitTest.decide(limiter, at: start)
        for _ in 0..<5 { XCTAssertEqual(LimitTest.decide(limiter, at: start).refusal?.kind, .requestsPerDay) }
        // The next day, at the same monotonic time: three of the five left before it (two were taken), two after.
        let tomorrow = LimitTest.noon + DailyQuota.dayMillis
        XCTAssertEqual(LimitTest.decide(limiter, at: start, wallMillis: tomorrow).status?.requests?.remaining, 2)
    }

    /// A used-up day is said before a rate (its refusal is final), a rate before full streams (it has a wait).
    func testWhichLimitIsSaidWhenSeveralRefuse() {
        let limiter = KeyLimiter(KeyLimits(requestsPerMinute: 60, concurrentStreams: 1, requestsPerDay: 1))
        let stream = LimitTest.decideHolding(limiter, at: start)
        XCTAssertEqual(LimitTest.decide(limiter, at: start).refusal?.kind, .requestsPerDay)
        let tomorrow = LimitTest.noon + DailyQuota.dayMillis
        XCTAssertEqual(LimitTest.decide(limiter, at: start, wallMillis: tomorrow).refusal?.kind, .requests)
        XCTAssertEqual(LimitTest.decide(limiter, at: start + second, wallMillis: tomorrow).refusal?.kind, .streams)
        stream.held?.release()
        XCTAssertNotNil(LimitTest.decide(limiter, at: start + second, wallMillis: tomorrow).status)
    }

    /// Two threads on a key with every limit, at one moment: exactly the burst admitted (a request refused for the
    /// one stream took none of it), the stream back, and the day counting exactly the admitted requests though
    /// races made some takes give back.
    func testEveryLimitStaysExactUnderTwoThreads() throws {
        let limiter = KeyLimiter(KeyLimits(requestsPerMinute: 60, burst: 499, concurrentStreams: 1, requestsPerDay: 10_000))
        let admitted = try runOnTwoThreads(iterations: 50_000) { _ in
            let (outcome, held) = LimitTest.decideHolding(limiter, at: LimitTest.start)
            held?.release()
            return outcome.status != nil
        }
        XCTAssertEqual(admitted.reduce(0, +), 500)
        XCTAssertEqual(limiter.streamsInUse, 0)
        XCTAssertEqual(LimitTest.decide(limiter, at: start + second).status?.requestsPerDay?.remaining, 10_000 - 501)
    }

    func testLimitsOutOfRangeAreNamed() {
        XCTAssertNil(KeyLimits(requestsPerMinute: 60_000_000, burst: 1_000_000, concurrentStreams: 1_000_000,
                               requestsPerDay: Int(UInt32.max)).problem)
        XCTAssertEqual(KeyLimits(requestsPerMinute: 0).problem, "requests per minute must be from 1 to 60000000, got 0")
        XCTAssertEqual(KeyLimits(requestsPerMinute: 1, burst: -1).problem, "burst must be from 0 to 1000000, got -1")
        XCTAssertEqual(KeyLimits(burst: 5).problem, "a burst needs a limit of requests per minute")
        XCTAssertEqual(KeyLimits(concurrentStreams: 0).problem, "concurrent streams must be from 1 to 1000000, got 0")
        XCTAssertEqual(KeyLimits(requestsPerDay: Int(UInt32.max) + 1).problem,
                       "requests per day must be from 1 to 4294967295, got 4294967296")
    }

    /// What shadow mode logs for each refusal.
    func testRefusalsDescribeThemselvesForTheLog() {
        XCTAssertEqual(LimitRefusal(kind: .requests, limit: 60, retryAfterMillis: 850, resetMillis: 850).logDescription,
                       "rate of 60 requests a minute reached, retry after 850 ms")
        XCTAssertEqual(LimitRefusal(kind: .streams, limit: 4).logDescription, "all 4 concurrent streams in use")
        XCTAssertEqual(LimitRefusal(kind: .requestsPerDay, limit: 1000, retryAfterMillis: 5, resetMillis: 5).logDescription,
                       "daily quota of 1000 requests used up, retry after 5 ms")
        XCTAssertEqual(LimitRefusal(kind: .failedKeyChecks, limit: 10, retryAfterMillis: 6000).logDescription,
                       "more than 10 failed key checks a minute from this address, retry after 6000 ms")
    }
}

@testable import ProxyCore
import XCTest

/// The limit fields byte for byte.
final class LimitHeadersTests: XCTestCase {
    func testRateRefusal() {
        XCTAssertEqual(text(LimitRefusal(kind: .requests, limit: 60, retryAfterMillis: 851, resetMillis: 10_851)), """
            Retry-After: 1\r
            retry-after-ms: 851\r
            x-proxyd-ratelimit-limit-requests: 60\r
            x-proxyd-ratelimit-remaining-requests: 0\r
            x-proxyd-ratelimit-reset-requests: 10.851s\r

            """)
    }

    func testRetryAfterSecondsRoundUp() {
        XCTAssertTrue(text(LimitRefusal(kind: .requests, limit: 1, retryAfterMillis: 1000, resetMillis: 1000))
            .hasPrefix("Retry-After: 1\r\nretry-after-ms: 1000\r\n"))
        XCTAssertTrue(text(LimitRefusal(kind: .requests, limit: 1, retryAfterMillis: 1001, resetMillis: 1001))
            .hasPrefix("Retry-After: 2\r\nretry-after-ms: 1001\r\n"))
    }

    func testUsedUpDayTellsTheClientNotToRetry() {
        XCTAssertEqual(text(LimitRefusal(kind: .requestsPerDay, limit: 1000, retryAfterMillis: 3_723_004,
                                         resetMillis: 3_723_004)), """
            Retry-After: 3724\r
            retry-after-ms: 3723004\r
            x-should-retry: false\r
            x-proxyd-ratelimit-limit-requests-day: 1000\r
            x-proxyd-ratelimit-remaining-requests-day: 0\r
            x-proxyd-ratelimit-reset-requests-day: 1h2m3.004s\r

            """)
    }

    func testStreamsRefusalHasNoWait() {
        XCTAssertEqual(text(LimitRefusal(kind: .streams, limit: 4)), """
            x-proxyd-ratelimit-limit-streams: 4\r
            x-proxyd-ratelimit-remaining-streams: 0\r

            """)
    }

    func testFailedKeyChecksRefusalHasNoKeyFields() {
        XCTAssertEqual(text(LimitRefusal(kind: .failedKeyChecks, limit: 10, retryAfterMillis: 6000)), """
            Retry-After: 6\r
            retry-after-ms: 6000\r
            x-should-retry: false\r

            """)
    }

    func testAdmittedStatus() {
        let status = LimitStatus(requests: LimitCount(limit: 60, remaining: 10, resetMillis: 1000),
                                 streams: LimitCount(limit: 4, remaining: 3),
                                 requestsPerDay: LimitCount(limit: 1000, remaining: 999, resetMillis: 21_600_000))
        XCTAssertEqual(text(status), """
            x-proxyd-ratelimit-limit-requests: 60\r
            x-proxyd-ratelimit-remaining-requests: 10\r
            x-proxyd-ratelimit-reset-requests: 1s\r
            x-proxyd-ratelimit-limit-streams: 4\r
            x-proxyd-ratelimit-remaining-streams: 3\r
            x-proxyd-ratelimit-limit-requests-day: 1000\r
            x-proxyd-ratelimit-remaining-requests-day: 999\r
            x-proxyd-ratelimit-reset-requests-day: 6h0m0s\r

            """)
        XCTAssertEqual(text(LimitStatus()), "")
    }

    /// Go's `time.Duration` form, as OpenAI's `x-ratelimit-reset-*`.
    func testDurations() {
        let cases: [(Int64, String)] = [
            (0, "0s"), (1, "1ms"), (120, "120ms"), (999, "999ms"), (1000, "1s"), (1500, "1.5s"), (1050, "1.05s"),
            (1005, "1.005s"), (59_999, "59.999s"), (60_000, "1m0s"), (61_050, "1m1.05s"), (3_600_000, "1h0m0s"),
            (86_400_000, "24h0m0s"), (90_061_001, "25h1m1.001s"),
        ]
        for (millis, expected) in cases {
            let status = LimitStatus(requests: LimitCount(limit: 1, remaining: 0, resetMillis: millis))
            XCTAssertTrue(text(status).hasSuffix("reset-requests: \(expected)\r\n"), "\(millis): \(text(status))")
        }
    }

    private func text(_ refusal: LimitRefusal) -> String {
        var out = IOBuffer()
        LimitHeaders.write(refusal, into: &out)
        return String(decoding: out.readable, as: UTF8.self)
    }

    private func text(_ status: LimitStatus) -> String {
        var out = IOBuffer()
        LimitHeaders.write(status, into: &out)
        return String(decoding: out.readable, as: UTF8.self)
    }
}

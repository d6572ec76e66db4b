import XCTest
@testable import ProxyCore

final class TurnPolicyTests: XCTestCase {
    func testA403RestartsOnceExceptForThePageAndTurnstile() {
        XCTAssertEqual(TurnPolicy.refused(status: 403, step: .conduit, restarted: false, turnstileAsked: false), .restart)
        XCTAssertEqual(TurnPolicy.refused(status: 403, step: .finalize, restarted: false, turnstileAsked: false), .restart)
        XCTAssertEqual(TurnPolicy.refused(status: 403, step: .conduit, restarted: true, turnstileAsked: false),
                       .fail(status: 403, turnstile: false))
        XCTAssertEqual(TurnPolicy.refused(status: 403, step: .bootstrap, restarted: false, turnstileAsked: false),
                       .fail(status: 403, turnstile: false))
        XCTAssertEqual(TurnPolicy.refused(status: 403, step: .finalize, restarted: false, turnstileAsked: true),
                       .fail(status: 403, turnstile: true))
        // Turnstile asked at prepare matters only to finalize's refusal.
        XCTAssertEqual(TurnPolicy.refused(status: 403, step: .prepare, restarted: false, turnstileAsked: true), .restart)
    }

    func testTheSitesRefusalsKeepTheirStatusAndTheRestAre502() {
        for status in [401, 429] {
            XCTAssertEqual(TurnPolicy.refused(status: status, step: .prepare, restarted: false, turnstileAsked: false),
                           .fail(status: status, turnstile: false))
        }
        for status in [400, 404, 500, 503, 302] {
            XCTAssertEqual(TurnPolicy.refused(status: status, step: .conduit, restarted: false, turnstileAsked: false),
                           .fail(status: 502, turnstile: false))
        }
    }

    func testAHarderDifficultyRefetchesTwiceThenIsTooHard() {
        XCTAssertEqual(TurnPolicy.proof(expected: 100, maximum: 100, refetches: 0), .solve)
        XCTAssertEqual(TurnPolicy.proof(expected: 101, maximum: 100, refetches: 0), .refetch)
        XCTAssertEqual(TurnPolicy.proof(expected: 101, maximum: 100, refetches: 1), .refetch)
        XCTAssertEqual(TurnPolicy.proof(expected: 101, maximum: 100, refetches: 2), .tooHard)
        XCTAssertTrue(TurnPolicy.refetchAfterExhausted(refetches: 1))
        XCTAssertFalse(TurnPolicy.refetchAfterExhausted(refetches: 2))
    }
}

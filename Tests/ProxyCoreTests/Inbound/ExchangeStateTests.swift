import XCTest
@testable import ProxyCore

/// One exchange's decisions, event by event, without sockets or an upstream.
final class ExchangeStateTests: XCTestCase {
    private let limits = ClientTimeouts(idle: 75_000, head: 10_000, login: 30_000, upstream: 2_000)

    private func started(_ framing: BodyFraming, expectsContinue: Bool = false) -> (ExchangeState, Bool) {
        var state = ExchangeState()
        let sendContinue = state.start(framing, expectsContinue: expectsContinue, now: 0)
        return (state, sendContinue)
    }

    func testExpectContinueIsAnsweredOnlyWhenABodyWillFollow() {
        XCTAssertTrue(started(.contentLength(10), expectsContinue: true).1)
        XCTAssertTrue(started(.chunked, expectsContinue: true).1)
        XCTAssertFalse(started(.contentLength(0), expectsContinue: true).1)
        XCTAssertFalse(started(.none, expectsContinue: true).1)
        XCTAssertFalse(started(.contentLength(10)).1)
    }

    func testAFixedBodyIsCountedDownToComplete() {
        var (state, _) = started(.contentLength(10))
        XCTAssertEqual(state.fixedBodyTake(64), 10, "bytes past the body belong to the next request")
        XCTAssertTrue(state.bodyReceived(4, limit: 100, now: 1))
        XCTAssertEqual(state.body, .fixed(remaining: 6))
        XCTAssertTrue(state.bodyReceived(6, limit: 100, now: 2))
        XCTAssertEqual(state.body, .complete)
        XCTAssertTrue(state.bodyFullyRead)
    }

    func testAChunkedBodyOverTheLimitIsRefusedMidway() {
        var (state, _) = started(.chunked)
        XCTAssertTrue(state.bodyReceived(600, limit: 1_000, now: 1))
        XCTAssertFalse(state.bodyReceived(600, limit: 1_000, now: 2), "the chunk that crosses the limit is 413")
        XCTAssertFalse(state.bodyFullyRead, "the rest of the body is unread: the connection must close")
    }

    func testRetryIsSafeUntilOneBodyByteReachesTheUpstream() {
        var (state, _) = started(.contentLength(10))
        state.upstreamStarted(now: 0)
        XCTAssertTrue(state.isSafeToRetry)
        XCTAssertEqual(state.failure(retrying: true), .retry)
        state.bodySent(1, now: 1)
        XCTAssertFalse(state.isSafeToRetry)
        XCTAssertEqual(state.failure(retrying: false), .answer)
    }

    func testAFailureAfterTheResponseHeadCutsTheResponse() {
        var (state, _) = started(.none)
        state.upstreamStarted(now: 0)
        state.responseHeadReceived(now: 1)
        XCTAssertFalse(state.isSafeToRetry)
        XCTAssertEqual(state.failure(retrying: false), .truncate)
    }

    func testBackpressureHoldsTheUpstreamAtHighWaterAndResumesBelowLowWater() {
        var (state, _) = started(.none)
        state.upstreamStarted(now: 0)
        XCTAssertTrue(state.responseTaken(buffered: Backpressure.highWater - 1, now: 1))
        XCTAssertFalse(state.responseTaken(buffered: Backpressure.highWater, now: 2))
        XCTAssertTrue(state.holdingUpstream)
        XCTAssertFalse(state.shouldResumeUpstream(buffered: Backpressure.lowWater, now: 3))
        XCTAssertTrue(state.shouldResumeUpstream(buffered: Backpressure.lowWater - 1, now: 4))
        XCTAssertFalse(state.shouldResumeUpstream(buffered: 0, now: 5), "resumed once")
    }

    func testClientInputIsReadForTheBodyOnlyWhileTheUpstreamHasRoom() {
        var (state, _) = started(.contentLength(1_000_000))
        XCTAssertTrue(state.wantsClientInput(buffered: 0, upstreamHasRoom: false), "not placed: read ahead")
        XCTAssertFalse(state.wantsClientInput(buffered: ExchangeState.maxReadAhead, upstreamHasRoom: false))
        state.upstreamStarted(now: 0)
        XCTAssertFalse(state.wantsClientInput(buffered: 0, upstreamHasRoom: false))
        XCTAssertTrue(state.wantsClientInput(buffered: 1 << 20, upstreamHasRoom: true))
    }

    func testUpstreamSilenceCountsFromItsLastBytesAndNotWhileWeHoldItBack() {
        var (state, _) = started(.none)
        XCTAssertNil(state.timer(upstreamHoldsBody: false, limits: limits), "not placed yet")
        state.upstreamStarted(now: 100)
        XCTAssertEqual(state.timer(upstreamHoldsBody: false, limits: limits), ArmedTimer(kind: .upstreamSilence, at: 2_100))
        state.responseHeadReceived(now: 500)
        _ = state.responseTaken(buffered: 10, now: 700)
        // Our output draining does not move it: only the upstream's bytes do.
        XCTAssertEqual(state.timer(upstreamHoldsBody: false, limits: limits), ArmedTimer(kind: .upstreamSilence, at: 2_700))
        _ = state.responseTaken(buffered: Backpressure.highWater, now: 800)
        XCTAssertNil(state.timer(upstreamHoldsBody: false, limits: limits), "held back by us: the client's timer applies")
        XCTAssertTrue(state.shouldResumeUpstream(buffered: 0, now: 5_000))
        XCTAssertEqual(state.timer(upstreamHoldsBody: false, limits: limits), ArmedTimer(kind: .upstreamSilence, at: 7_000))
        state.upstreamFinished()
        XCTAssertNil(state.timer(upstreamHoldsBody: false, limits: limits))
    }

    func testAnUploadCountsAsUpstreamActivityOnlyWhenTheUpstreamTakesIt() {
        var (state, _) = started(.contentLength(1 << 20))
        state.upstreamStarted(now: 0)
        XCTAssertTrue(state.bodyReceived(1 << 19, limit: 1 << 30, now: 10))
        // The upstream holds bytes we gave it: it owes us progress.
        XCTAssertEqual(state.timer(upstreamHoldsBody: true, limits: limits), ArmedTimer(kind: .upstreamSilence, at: 2_000))
        state.bodySent(1 << 19, now: 1_500)
        // It took them all and the client has not sent the rest: the client is what we wait for.
        XCTAssertEqual(state.timer(upstreamHoldsBody: false, limits: limits), ArmedTimer(kind: .stalledClient, at: 75_010))
        XCTAssertTrue(state.bodyReceived(1 << 19, limit: 1 << 30, now: 1_600))
        XCTAssertEqual(state.body, .complete)
        state.bodySent(1 << 19, now: 1_700)
        // The whole request is up: its silence counts from the last byte it took.
        XCTAssertEqual(state.timer(upstreamHoldsBody: false, limits: limits), ArmedTimer(kind: .upstreamSilence, at: 3_700))
    }
}

extension ExchangeStateTests {
    /// A conversation turn reads its whole body before anything is placed, and is not timed by the upstream.
    func testATurnCollectsItsBodyThenSendsThePreparedOne() {
        var state = ExchangeState()
        _ = state.start(.contentLength(10), expectsContinue: false, now: 0)
        state.startPreparing()
        XCTAssertTrue(state.wantsClientInput(buffered: 1 << 20, upstreamHasRoom: false))
        let limits = ClientTimeouts(idle: 100, head: 10, login: 10, upstream: 50)
        XCTAssertEqual(state.timer(upstreamHoldsBody: false, limits: limits)?.kind, .stalledClient)
        XCTAssertTrue(state.bodyReceived(10, limit: 10, now: 5))
        XCTAssertEqual(state.body, .complete)
        XCTAssertEqual(state.timer(upstreamHoldsBody: false, limits: limits), ArmedTimer(kind: .upstreamSilence, at: 55),
                       "the whole handshake gets one upstream timeout from the body's last byte")
        state.prepared(bodyBytes: 42)
        XCTAssertFalse(state.preparing)
        XCTAssertTrue(state.hasRequestBody)
        state.upstreamStarted(now: 20)
        XCTAssertEqual(state.timer(upstreamHoldsBody: true, limits: limits), ArmedTimer(kind: .upstreamSilence, at: 70))
        // The next request on the connection is no turn until told so.
        _ = state.start(.none, expectsContinue: false, now: 30)
        XCTAssertFalse(state.preparing)
    }
}

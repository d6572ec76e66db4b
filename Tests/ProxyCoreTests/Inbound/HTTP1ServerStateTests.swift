import XCTest
@testable import ProxyCore

/// The client connection's decisions, event by event, without a socket.
final class HTTP1ServerStateTests: XCTestCase {
    private let limits = ClientTimeouts(idle: 75_000, head: 10_000, login: 30_000, upstream: 120_000)

    private func timer(_ state: HTTP1ServerState, inputEmpty: Bool = true, outputBlocked: Bool = false,
                       exchange: ArmedTimer? = nil) -> ArmedTimer? {
        state.timer(inputEmpty: inputEmpty, outputBlocked: outputBlocked, exchange: exchange, limits: limits)
    }

    func testAnIdleConnectionArmsTheIdleTimerAndClosesWhenItFires() {
        let state = HTTP1ServerState(now: 1_000)
        XCTAssertEqual(timer(state), ArmedTimer(kind: .idle, at: 76_000))
        XCTAssertEqual(state.timeout(.idle), .close)
    }

    func testAPartialHeadArmsTheHeadTimerFromItsFirstByteAnd408sWhenItFires() {
        var state = HTTP1ServerState(now: 0)
        state.headIncomplete(now: 500)
        state.headIncomplete(now: 9_000)  // more bytes of the same head do not move it
        XCTAssertEqual(timer(state, inputEmpty: false), ArmedTimer(kind: .head, at: 10_500))
        XCTAssertEqual(state.timeout(.head), .requestTimeout)
    }

    func testPipelinedRequestsAreProcessedInTurnAfterEachAnswer() {
        var state = HTTP1ServerState(now: 0)
        state.headReceived(keepAlive: true)
        state.exchangeStarted()
        XCTAssertEqual(state.phase, .exchanging)
        // The next request already waits in the input: the answer makes the connection parse it.
        XCTAssertEqual(state.answered(keepAlive: true, now: 100), .processInput)
        XCTAssertEqual(state.phase, .awaitingHead)
        state.headReceived(keepAlive: true)
        XCTAssertEqual(state.answered(keepAlive: true, now: 200), .processInput)
        XCTAssertEqual(timer(state), ArmedTimer(kind: .idle, at: 75_200), "idle counts from the last answer")
    }

    func testConnectionCloseAnswerWritesThenLingersThenCloses() {
        var state = HTTP1ServerState(now: 0)
        state.headReceived(keepAlive: false)
        XCTAssertEqual(state.answered(keepAlive: true, now: 10), .none)
        XCTAssertEqual(state.phase, .closingAfterWrite)
        XCTAssertEqual(state.outputDrained(now: 20), .shutdownAndLinger)
        XCTAssertEqual(state.phase, .lingering)
        XCTAssertEqual(timer(state), ArmedTimer(kind: .linger, at: 2_020))
        XCTAssertEqual(state.timeout(.linger), .close)
    }

    func testALocalAnswerThatLeavesTheBodyUnreadCloses() {
        var state = HTTP1ServerState(now: 0)
        state.headReceived(keepAlive: true)
        XCTAssertEqual(state.answered(keepAlive: false, now: 10), .none)
        XCTAssertEqual(state.phase, .closingAfterWrite)
    }

    func testDrainClosesAnIdleConnectionAtOnce() {
        var state = HTTP1ServerState(now: 0)
        XCTAssertEqual(state.drain(inputEmpty: true), .close)
    }

    func testDrainDuringAnExchangeLetsItFinishThenCloses() {
        var state = HTTP1ServerState(now: 0)
        state.headReceived(keepAlive: true)
        state.exchangeStarted()
        XCTAssertEqual(state.drain(inputEmpty: true), .none)
        XCTAssertEqual(state.phase, .exchanging)
        XCTAssertEqual(state.answered(keepAlive: true, now: 50), .none, "no next request while draining")
        XCTAssertEqual(state.phase, .closingAfterWrite)
        state.headReceived(keepAlive: true)
        XCTAssertFalse(state.keepAlive, "a head parsed during the drain is not kept alive either")
    }

    func testTheClientLeavingMidExchangeAbortsButIdleCloses() {
        var state = HTTP1ServerState(now: 0)
        XCTAssertEqual(state.peerClosed(), .close)
        state.headReceived(keepAlive: true)
        state.exchangeStarted()
        XCTAssertEqual(state.peerClosed(), .abort)
        var login = HTTP1ServerState(now: 0)
        login.headReceived(keepAlive: true)
        login.loginStarted(now: 0)
        XCTAssertEqual(login.phase, .login)
        XCTAssertEqual(login.peerClosed(), .abort)
    }

    func testTheExchangeTimerAppliesWhileExchangingUnlessTheClientStallsFirst() {
        var state = HTTP1ServerState(now: 0)
        state.headReceived(keepAlive: true)
        state.exchangeStarted()
        let upstream = ArmedTimer(kind: .upstreamSilence, at: 120_000)
        XCTAssertEqual(timer(state, exchange: upstream), upstream)
        XCTAssertEqual(state.timeout(.upstreamSilence), .upstreamTimeout)
        state.wroteProgress(now: 1_000)
        XCTAssertEqual(timer(state, outputBlocked: true, exchange: upstream), ArmedTimer(kind: .stalledClient, at: 76_000))
        XCTAssertEqual(state.timeout(.stalledClient), .abort)
        XCTAssertNil(timer(state), "waiting for a dial: the dialer keeps its own deadlines")
    }

    func testTheLoginTimerCountsFromTheLoginsStart() {
        var state = HTTP1ServerState(now: 0)
        state.headReceived(keepAlive: true)
        state.loginStarted(now: 4_000)
        XCTAssertEqual(timer(state), ArmedTimer(kind: .login, at: 34_000))
        XCTAssertEqual(state.timeout(.login), .loginTimeout)
    }

    func testATimerOfAnotherPhaseDoesNothing() {
        var state = HTTP1ServerState(now: 0)
        state.headReceived(keepAlive: true)
        state.exchangeStarted()
        XCTAssertEqual(state.timeout(.head), .none)
        XCTAssertEqual(state.timeout(.idle), .none)
        XCTAssertEqual(state.timeout(.login), .none)
    }
}

// The client connection's decisions (HTTP1ServerState) driven by the events the input spells, one byte
// each: whatever the order, the phase moves only along the connection's lifecycle, every timer it
// derives is one its phase can have, and every timer that fires leads out of the phase that derived it.

private let limits = ClientTimeouts(idle: 75_000, head: 10_000, login: 30_000, upstream: 120_000)

/// The phases a timer kind may be derived in.
private func allowed(_ kind: ClientTimer, in phase: HTTP1ServerState.Phase) -> Bool {
    switch kind {
    case .idle, .head: return phase == .awaitingHead
    case .login: return phase == .login
    case .upstreamSilence: return phase == .exchanging
    case .stalledClient: return phase != .lingering && phase != .closed
    case .linger: return phase == .lingering
    }
}

func fuzzTarget(_ input: UnsafeRawBufferPointer) {
    var state = HTTP1ServerState(now: 0)
    var now: UInt64 = 0
    var everDrained = false
    for byte in input {
        now &+= UInt64(byte >> 4) * 500
        let before = state.phase
        switch byte & 0x0F {
        case 0: state.headIncomplete(now: now)
        case 1: state.headReceived(keepAlive: byte & 0x10 != 0)
        case 2: state.exchangeStarted()
        case 3: state.loginStarted(now: now)
        case 4: state.mustClose()
        case 5:
            let action = state.answered(keepAlive: byte & 0x20 != 0, now: now)
            invariant(action == .none || action == .processInput, "answered: \(action)")
            if action == .processInput {
                invariant(state.phase == .awaitingHead && !everDrained, "kept alive into \(state.phase), drained \(everDrained)")
            }
        case 6: state.wroteProgress(now: now)
        case 7:
            let action = state.outputDrained(now: now)
            invariant((action == .shutdownAndLinger) == (before == .closingAfterWrite), "drained in \(before): \(action)")
        case 8:
            let action = state.peerClosed()
            let expected: HTTP1ServerState.Action = switch before {
            case .exchanging, .login: .abort
            case .closed: .none
            default: .close
            }
            invariant(action == expected, "peer closed in \(before): \(action)")
        case 9:
            everDrained = true
            _ = state.drain(inputEmpty: byte & 0x10 != 0)
            invariant(!state.keepAlive || before == .closingAfterWrite || before == .lingering || before == .closed
                      || (before == .awaitingHead && byte & 0x10 != 0),
                      "still keep-alive after a drain in \(before)")
        case 10: state.closed()
        default:
            // A timer: derived for the current phase, and firing it asks for a way out of the phase.
            let timer = state.timer(inputEmpty: byte & 0x10 != 0, outputBlocked: byte & 0x20 != 0,
                                    exchange: byte & 0x40 != 0 ? ArmedTimer(kind: .upstreamSilence, at: now) : nil,
                                    limits: limits)
            if let timer {
                invariant(allowed(timer.kind, in: state.phase), "\(timer.kind) derived in \(state.phase)")
                invariant(state.timeout(timer.kind) != .none, "\(timer.kind) fires to no effect in \(state.phase)")
            } else {
                invariant(state.phase == .closed || state.phase == .exchanging, "no timer in \(state.phase)")
            }
        }
        // Closed is final, and only these moves exist.
        let after = state.phase
        if before == .closed { invariant(after == .closed, "left closed for \(after)") }
        if before != after {
            let legal: Bool = switch (before, after) {
            case (_, .closed): true
            case (.awaitingHead, .exchanging), (.awaitingHead, .login): true
            case (.awaitingHead, .closingAfterWrite), (.exchanging, .closingAfterWrite), (.login, .closingAfterWrite): true
            case (.exchanging, .awaitingHead), (.login, .awaitingHead): true
            case (.closingAfterWrite, .lingering): true
            default: false
            }
            invariant(legal, "\(before) -> \(after) on event \(byte & 0x0F)")
        }
    }
}

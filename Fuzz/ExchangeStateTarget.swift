// One exchange's decisions (ExchangeState) driven by the events the input spells: body bytes in and out,
// the response, backpressure and failures. Whatever the order: no more body leaves than came, a retry is
// never safe after a body byte or the response head, backpressure resumes only what it paused, and the
// timer never counts the upstream's silence while we hold it back.

private let limits = ClientTimeouts(idle: 75_000, head: 10_000, login: 30_000, upstream: 2_000)

func fuzzTarget(_ input: UnsafeRawBufferPointer) {
    guard let first = input.first else { return }
    var state = ExchangeState()
    let framing: BodyFraming = switch first % 4 {
    case 0: .none
    case 1: .contentLength(UInt64(first) * 37)
    case 2: .chunked
    default: .contentLength(0)
    }
    _ = state.start(framing, expectsContinue: first & 0x80 != 0, now: 0)
    var now: UInt64 = 0
    var received: UInt64 = 0
    var sent: UInt64 = 0
    let limit: UInt64 = 4_000
    for byte in input.dropFirst() {
        now &+= UInt64(byte >> 5) * 300
        let amount = Int(byte >> 3)
        switch byte & 0x07 {
        case 0:
            let count = state.body == .chunked ? amount : state.fixedBodyTake(amount)
            guard state.body != .complete, count > 0 else { break }
            let withinLimit = state.bodyReceived(count, limit: limit, now: now)
            received += UInt64(count)
            invariant(withinLimit == (received <= limit), "limit \(limit) after \(received): \(withinLimit)")
            invariant(state.bodyBytes == received, "counted \(state.bodyBytes) of \(received)")
        case 1:
            if state.body == .chunked { state.bodyEnded() }
        case 2:
            let count = Int(min(UInt64(amount), received - sent))
            state.bodySent(count, now: now)
            sent += UInt64(count)
        case 3:
            state.upstreamStarted(now: now)
        case 4:
            if state.placed { state.responseHeadReceived(now: now) }
        case 5:
            let wasHolding = state.holdingUpstream
            let buffered = Int(byte) << 12
            if byte & 0x08 != 0 {
                let more = state.responseTaken(buffered: buffered, now: now)
                invariant(more == (buffered < Backpressure.highWater), "taken at \(buffered): \(more)")
                invariant(state.holdingUpstream == (wasHolding || !more), "holding after take")
            } else {
                let resume = state.shouldResumeUpstream(buffered: buffered, now: now)
                invariant(!resume || (wasHolding && buffered < Backpressure.lowWater), "resumed at \(buffered)")
                invariant(!state.holdingUpstream || !resume, "still holding after resume")
            }
        case 6:
            if byte & 0x08 != 0 { state.upstreamFinished() } else { state.upstreamDetached() }
        default:
            state.holdUpstream()
        }
        invariant(state.bodyBytesSent <= state.bodyBytes, "sent \(state.bodyBytesSent) of \(state.bodyBytes)")
        invariant(state.isSafeToRetry == (!state.responseStarted && state.bodyBytesSent == 0), "retry safety")
        let failure = state.failure(retrying: false)
        invariant(failure == (state.responseStarted ? .truncate : .answer), "failure: \(failure)")
        if case .fixed(let remaining) = state.body { invariant(remaining > 0, "fixed body with nothing left") }
        for holds in [false, true] {
            guard let timer = state.timer(upstreamHoldsBody: holds, limits: limits) else {
                invariant(!state.placed || state.upstreamEnded || state.holdingUpstream, "no timer while placed")
                continue
            }
            invariant(state.placed && !state.upstreamEnded, "a timer while not placed or ended")
            if timer.kind == .upstreamSilence {
                invariant(!state.holdingUpstream, "upstream silence while we hold it back")
                invariant(state.body == .complete || holds, "upstream silence while we wait for the client")
            } else {
                invariant(timer.kind == .stalledClient && state.body != .complete && !holds, "timer \(timer.kind)")
            }
        }
    }
}

/// A proxy handshake's run (`drive`, shared with the unit tests) must not depend on how the proxy's bytes
/// were split: whole, one at a time, or in random pieces. Returns the run on the whole input.
@discardableResult
func checkHandshakeSplits<M: HandshakeMachine>(_ machine: M, _ input: [UInt8], _ random: inout SeededGenerator) -> HandshakeRun {
    let whole = drive(machine, chunks: [input])
    for ends in [random.byteByByte(count: input.count), random.arrivals(count: input.count, pieces: 6)] {
        let chunks = zip([0] + ends, ends).map { Array(input[$0..<$1]) }
        let split = drive(machine, chunks: chunks)
        invariant(split == whole, "arriving up to \(ends): \(split), whole: \(whole)")
    }
    if case .established(let leftover) = whole.final {
        invariant(leftover.count <= input.count && leftover == Array(input.suffix(leftover.count)),
                  "leftover \(leftover) is not the end of the input")
    }
    return whole
}

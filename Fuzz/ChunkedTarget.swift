// The chunked body decoder (ChunkedDecoder), fed the same bytes whole, one at a time and in random
// pieces: the payload, the final event and where the body ends must not depend on the split.

private struct Decoded: Equatable {
    var payload: [UInt8] = []
    /// `.end` or `.invalid`, or `.needMore` when the input ran out first.
    var final = ChunkedDecoder.Event.needMore
    /// Bytes of the input the decoder took, body framing included.
    var consumed = 0
}

/// Decodes `input` as it arrives up to each of `ends`, checking every step's answer.
private func decode(_ input: UnsafeRawBufferPointer, arrivals ends: [Int]) -> Decoded {
    var decoder = ChunkedDecoder()
    var out = Decoded()
    for end in ends where end >= out.consumed {
        while true {
            let view = UnsafeRawBufferPointer(rebasing: input[out.consumed..<end])
            let (consumed, event) = decoder.next(view)
            invariant(consumed >= 0 && consumed <= view.count, "consumed \(consumed) of \(view.count)")
            out.consumed += consumed
            switch event {
            case .needMore:
                invariant(consumed == view.count, "needMore after \(consumed) of \(view.count) bytes")
                invariant(!decoder.isFinished, "needMore when finished")
            case .data(let range):
                invariant(!range.isEmpty && range.lowerBound >= 0, "data range \(range)")
                invariant(range.upperBound == consumed, "data range \(range), consumed \(consumed)")
                out.payload += view[range]
                continue
            case .end:
                invariant(decoder.isFinished, "end without isFinished")
                out.final = event
            case .invalid:
                invariant(!decoder.isFinished, "invalid and finished")
                out.final = event
            }
            break
        }
        if out.final != .needMore { break }
    }
    if out.final != .needMore {
        // A decided decoder keeps its answer and takes nothing more.
        let again = decoder.next(UnsafeRawBufferPointer(rebasing: input[out.consumed...]))
        invariant(again.consumed == 0 && again.event == out.final, "after \(out.final): \(again)")
    }
    return out
}

/// `payload` framed in chunks of the given sizes, with an extension on the first and a trailer.
private func encode(_ payload: [UInt8], sizes: [Int]) -> [UInt8] {
    var out: [UInt8] = []
    var at = 0
    for (n, size) in sizes.enumerated() {
        out += Array(String(size, radix: 16).utf8) + (n == 0 ? Array(";x=\"y\"".utf8) : []) + [13, 10]
        out += payload[at..<(at + size)] + [13, 10]
        at += size
    }
    return out + Array("0\r\nT: v\r\n\r\n".utf8)
}

func fuzzTarget(_ input: UnsafeRawBufferPointer) {
    var random = SeededGenerator(hashing: input)
    let whole = decode(input, arrivals: [input.count])
    invariant(whole.payload.count <= input.count, "payload larger than the body")
    for ends in [random.byteByByte(count: input.count), random.arrivals(count: input.count, pieces: 8)] {
        let split = decode(input, arrivals: ends)
        invariant(split == whole, "arriving up to \(ends): \(split), whole: \(whole)")
    }
    guard whole.final == .end else { return }
    invariant(whole.consumed >= 5, "a body ended in \(whole.consumed) bytes")
    // The payload framed again, in other chunk sizes, decodes to the same payload.
    let cuts = random.arrivals(count: whole.payload.count, pieces: 4)
    let sizes = zip([0] + cuts, cuts).map { $1 - $0 }.filter { $0 > 0 }
    let framed = encode(whole.payload, sizes: sizes)
    let again = framed.withUnsafeBytes { decode($0, arrivals: [framed.count]) }
    invariant(again == Decoded(payload: whole.payload, final: .end, consumed: framed.count), "framed again: \(again)")
}

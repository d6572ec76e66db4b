/// The invariants every stateless head parser keeps (RequestHeadParser, ResponseHeadParser), over `input`
/// and the ways it may arrive; returns the answer for the whole input. `parse(bytes, searchFrom)`.
/// - An incomplete answer has looked at every byte given (so dribbled input is scanned once in total), and
///   a complete head lies within the bytes given.
/// - A prefix of the input answers "incomplete" or the whole input's answer: what follows a head (or the
///   byte that made it invalid) never changes it, and no head is complete before its last byte arrives.
/// - Bytes arriving in pieces, the scan position passed back each time, give the answer of the whole.
@discardableResult
func checkIncrementalHead<R: IncrementalParseResult>(_ input: UnsafeRawBufferPointer, _ random: inout SeededGenerator,
                                                     parse: (UnsafeRawBufferPointer, Int) -> R) -> R {
    func checkBounds(_ result: R, count: Int) {
        if let scanned = result.resumeFrom { invariant(scanned == count, "scanned \(scanned) of \(count) bytes") }
        if let length = result.headLength { invariant(length > 0 && length <= count, "head length \(length) of \(count)") }
    }
    let whole = parse(input, 0)
    checkBounds(whole, count: input.count)
    for end in random.arrivals(count: input.count, pieces: 4) {
        let prefix = parse(input.firstBytes(end), 0)
        checkBounds(prefix, count: end)
        invariant(prefix.resumeFrom != nil || prefix == whole, "prefix of \(end) bytes: \(prefix), whole: \(whole)")
    }
    for ends in [random.byteByByte(count: input.count), random.arrivals(count: input.count, pieces: 8)] {
        var searchFrom = 0
        var result = whole
        for end in ends {
            result = parse(input.firstBytes(end), searchFrom)
            checkBounds(result, count: end)
            guard let scanned = result.resumeFrom else { break }
            searchFrom = scanned
        }
        invariant(result == whole, "arriving up to \(ends): \(result), whole: \(whole)")
    }
    return whole
}

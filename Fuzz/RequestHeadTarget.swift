// The client's request head (RequestHeadParser): strict, since proxyd and the upstream must agree on
// where a request ends. Each input is parsed with the default limits and with small ones, so the
// limit branches are reached by short inputs too.

private let parsers = [
    RequestHeadParser(),
    RequestHeadParser(limits: .init(maxRequestLine: 48, maxHeadBytes: 192, maxFields: 6)),
]

/// Reads a head written back from a parsed one; its limits leave room for the longer spelling.
private let reparser = RequestHeadParser(limits: .init(maxRequestLine: 1 << 20, maxHeadBytes: 1 << 20, maxFields: 1 << 20))

private let crlfcrlf: [UInt8] = [13, 10, 13, 10]

func fuzzTarget(_ input: UnsafeRawBufferPointer) {
    var random = SeededGenerator(hashing: input)
    // Two slots, so that names and values collide; made per input, so that each run depends on its input only.
    let strings = FieldStringCache(slotCount: 2)
    var spare: [HTTPField] = []
    for parser in parsers {
        let whole = checkIncrementalHead(input, &random) { parser.parse($0, searchFrom: $1) }
        // The cache (missing, then hitting) and the spare array change nothing in the answer.
        for round in 0..<2 {
            let cached = parser.parse(input, reusing: &spare, strings: strings)
            invariant(cached == whole, "with the string cache, round \(round): \(cached), without: \(whole)")
        }
        switch whole {
        case .complete(let head, let length):
            invariant(length <= parser.limits.maxHeadBytes, "head of \(length) bytes over \(parser.limits.maxHeadBytes)")
            invariant(Array(input[(length - 4)..<length]) == crlfcrlf, "head does not end with an empty line")
            invariant(head.fields.count <= parser.limits.maxFields, "\(head.fields.count) fields")
            invariant(head.target.hasPrefix("/"), "target \(head.target) is not origin-form")
            invariant(head.minorVersion == 0 || head.minorVersion == 1, "HTTP/1.\(head.minorVersion)")
            if head.minorVersion == 0 { invariant(head.framing != .chunked && !head.expectsContinue, "1.0 semantics") }
            invariant(head.framing != .untilClose, "a request body cannot run until close")
            // Written back in the canonical spelling, the head reads as the same head.
            let text = "\(head.method) \(head.target) HTTP/1.\(head.minorVersion)\r\n"
                + head.fields.map { "\($0.name): \($0.value)\r\n" }.joined() + "\r\n"
            let bytes = Array(text.utf8)
            let again = bytes.withUnsafeBytes { reparser.parse($0) }
            invariant(again == .complete(head, length: bytes.count), "written back as \(text.debugDescription): \(again)")
        case .incomplete:
            break
        case .invalid(let error):
            invariant([400, 417, 431, 501, 505].contains(error.status), "status \(error.status)")
        }
    }
}

// The upstream's response head (ResponseHeadParser): tolerant of spelling, strict on framing. Each input
// is parsed as the answer to GET, HEAD and CONNECT, with the default bound and a small one.

private let parsers = [ResponseHeadParser(), ResponseHeadParser(maxHeadBytes: 160)]
private let reparser = ResponseHeadParser(maxHeadBytes: 1 << 20)
private let methods = ["GET", "HEAD", "CONNECT"]

func fuzzTarget(_ input: UnsafeRawBufferPointer) {
    var random = SeededGenerator(hashing: input)
    // As in the RequestHead target: few slots, made per input.
    let strings = FieldStringCache(slotCount: 2)
    var spare: [HTTPField] = []
    for parser in parsers {
        // How the bytes arrive is checked for one method (drawn per input); the method only decides framing.
        let dribbled = methods.randomElement(using: &random)!
        checkIncrementalHead(input, &random) { parser.parse($0, requestMethod: dribbled, searchFrom: $1) }
        for method in methods {
            let whole = parser.parse(input, requestMethod: method)
            for round in 0..<2 {
                let cached = parser.parse(input, requestMethod: method, reusing: &spare, strings: strings)
                invariant(cached == whole, "with the string cache, round \(round): \(cached), without: \(whole)")
            }
            guard case .complete(let head, let length) = whole else { continue }
            invariant(length <= parser.maxHeadBytes, "head of \(length) bytes over \(parser.maxHeadBytes)")
            // The head ends with an empty line: LF LF or LF CR LF.
            invariant(input[length - 1] == 10 && (input[length - 2] == 10
                      || (length >= 3 && input[length - 2] == 13 && input[length - 3] == 10)), "head end")
            invariant((100...599).contains(head.status), "status \(head.status)")
            if head.framing == .untilClose { invariant(!head.keepAlive, "read until close, yet kept alive") }
            if method == "HEAD" || head.status < 200 || head.status == 204 || head.status == 304 {
                invariant(head.framing == .none, "\(method) \(head.status) with a body: \(head.framing)")
            }
            // Written back in the canonical spelling (CRLF, one line per field), the head reads the same.
            let text = "HTTP/1.\(head.minorVersion) \(head.status)\(head.reason.isEmpty ? "" : " " + head.reason)\r\n"
                + head.fields.map { "\($0.name): \($0.value)\r\n" }.joined() + "\r\n"
            let bytes = Array(text.utf8)
            let again = bytes.withUnsafeBytes { reparser.parse($0, requestMethod: method) }
            invariant(again == .complete(head, length: bytes.count), "written back as \(text.debugDescription): \(again)")
        }
    }
}

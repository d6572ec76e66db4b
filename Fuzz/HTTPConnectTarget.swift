// The HTTP CONNECT client handshake (HTTPConnectHandshake) against arbitrary proxy responses, with and
// without credentials: its answer must be what the response head parser says about the same bytes.

extension HTTPConnectHandshake: HandshakeMachine {}

private let destination = ProxyDestination(host: "chatgpt.com", port: 443, address: nil)
/// The parser the handshake uses (the same bound: a proxy's answer to CONNECT is a few short lines).
private let parser = ResponseHeadParser(maxHeadBytes: 16 * 1024)

func fuzzTarget(_ data: UnsafeRawBufferPointer) {
    let input = Array(data)
    var random = SeededGenerator(hashing: data)
    let expected = parser.parse(data, requestMethod: "CONNECT")
    for login in [nil, ("user", "secret")] {
        let machine = HTTPConnectHandshake(destination: destination, username: login?.0, password: login?.1)
        invariant(String(decoding: machine.start(), as: UTF8.self).hasPrefix("CONNECT chatgpt.com:443 HTTP/1.1\r\n"), "request line")
        let run = checkHandshakeSplits(machine, input, &random)
        invariant(run.sent.isEmpty, "sent \(run.sent)")
        switch (expected, run.final) {
        case (.incomplete, .needMore):
            break
        case (.invalid, .failed(let failure)):
            invariant(failure.proxyFault, "a malformed response is the proxy's fault")
        case (.complete(let head, let length), .established(let leftover)):
            invariant((200...299).contains(head.status), "established on \(head.status)")
            invariant(leftover == Array(input[length...]), "leftover is not what followed the head")
        case (.complete(let head, _), .failed(let failure)):
            invariant(!(200...299).contains(head.status), "failed on \(head.status)")
            invariant(failure.proxyFault == ([401, 407].contains(head.status) || (100...199).contains(head.status)),
                      "\(head.status): proxyFault \(failure.proxyFault)")
        default:
            invariant(false, "parser says \(expected), handshake \(run.final)")
        }
    }
}

// The SOCKS5 client handshake (SOCKS5Handshake) against arbitrary proxy replies, with and without
// credentials, for an IPv4, an IPv6 or a named destination.

extension SOCKS5Handshake: HandshakeMachine {}

private let destinations = [
    ProxyDestination(host: "192.0.2.7", port: 443, address: [192, 0, 2, 7]),
    ProxyDestination(host: "2001:db8::1", port: 8443, address: [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1]),
    ProxyDestination(host: "chatgpt.com", port: 443, address: nil),
]
private let credentials: [(String, String)?] = [nil, ("user", "p@ss:word")]

func fuzzTarget(_ data: UnsafeRawBufferPointer) {
    let input = Array(data)
    var random = SeededGenerator(hashing: data)
    // The destination only changes the request sent, not how replies are read: one per input is enough.
    let destination = destinations.randomElement(using: &random)!
    for login in credentials {
        let machine = SOCKS5Handshake(destination: destination, username: login?.0, password: login?.1)
        guard case .success(let greeting) = machine.start() else { return invariant(false, "start failed") }
        invariant(greeting == (login == nil ? [5, 1, 0] : [5, 1, 2]), "greeting \(greeting)")
        check(checkHandshakeSplits(machine, input, &random), input, authenticated: login != nil)
    }
}

/// Compares a run with what RFC 1928 and RFC 1929 say the same bytes mean.
private func check(_ run: HandshakeRun, _ input: [UInt8], authenticated: Bool) {
    // The connect reply starts after the method selection, and the authentication reply if any.
    let replyStart = authenticated ? 4 : 2
    switch run.final {
    case .established(let leftover):
        invariant(input.count >= replyStart + 7, "established after \(input.count) bytes")
        invariant(input[0] == 5 && input[1] == (authenticated ? 2 : 0), "method selection \(input.prefix(2))")
        if authenticated { invariant((input[2] == 1 || input[2] == 5) && input[3] == 0, "authentication reply") }
        invariant(input[replyStart] == 5 && input[replyStart + 1] == 0, "connect reply \(input[replyStart...].prefix(2))")
        let addressLength: Int
        switch input[replyStart + 3] {
        case 1: addressLength = 4
        case 4: addressLength = 16
        case 3: addressLength = 1 + Int(input[replyStart + 4])
        default: return invariant(false, "address type \(input[replyStart + 3])")
        }
        let replyEnd = replyStart + 4 + addressLength + 2
        invariant(leftover == Array(input[min(replyEnd, input.count)...]), "reply ends at \(replyEnd), leftover \(leftover.count)")
        invariant(run.sent.count == (authenticated ? 2 : 1), "sent \(run.sent)")
    case .failed(let failure):
        // Only a reply code about the destination leaves the proxy in good standing.
        if !failure.proxyFault {
            invariant(input.count >= replyStart + 2 && input[replyStart] == 5 && input[replyStart + 1] != 0,
                      "not the proxy's fault: \(failure.reason)")
        }
    case .needMore, .send:
        break
    }
    if let request = run.sent.last, run.sent.count == (authenticated ? 2 : 1) {
        invariant(request.starts(with: [5, 1, 0]), "connect request \(request)")
    }
    if authenticated, let auth = run.sent.first {
        invariant(auth == [1, 4] + Array("user".utf8) + [9] + Array("p@ss:word".utf8), "authentication \(auth)")
    }
}

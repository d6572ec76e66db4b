/// The client side of a SOCKS5 CONNECT (RFC 1928) with no authentication or username/password (RFC 1929),
/// as a byte-level state machine: no I/O, so every reply and every split of it can be tested.
struct SOCKS5Handshake {
    private enum Phase {
        case methodSelection, authentication, connectReply, finished
    }

    private let destination: ProxyDestination
    private let credentials: (username: [UInt8], password: [UInt8])?
    private var phase = Phase.methodSelection
    private var buffer: [UInt8] = []

    /// Credentials longer than RFC 1929's 255 bytes fail at `start` time.
    init(destination: ProxyDestination, username: String?, password: String?) {
        self.destination = destination
        credentials = username.map { (Array($0.utf8), Array((password ?? "").utf8)) }
    }

    /// The greeting: the methods we can do. Offering no-auth beside username/password when we have
    /// credentials would let a proxy skip them silently, so with credentials only method 2 is offered.
    func start() -> Result<[UInt8], ProxyHandshakeFailure> {
        if let credentials, credentials.username.count > 255 || credentials.password.count > 255 {
            return .failure(ProxyHandshakeFailure(reason: "cannot be used: username and password are limited to 255 bytes each",
                                                  proxyFault: true))
        }
        if destination.address == nil, destination.host.utf8.isEmpty || destination.host.utf8.count > 255 {
            return .failure(ProxyHandshakeFailure(reason: "cannot be asked for \(destination.text): host names are limited to 255 bytes",
                                                  proxyFault: false))
        }
        return .success(credentials == nil ? [5, 1, 0] : [5, 1, 2])
    }

    mutating func receive(_ bytes: [UInt8]) -> ProxyHandshakeStep {
        buffer += bytes
        switch phase {
        case .methodSelection:
            guard buffer.count >= 2 else { return .needMore }
            guard buffer[0] == 5 else { return malformed("a method selection of version \(buffer[0]) instead of 5") }
            let method = buffer[1]
            buffer.removeFirst(2)
            switch (method, credentials) {
            case (0, nil):
                phase = .connectReply
                return .send(connectRequest())
            case (2, let credentials?):
                phase = .authentication
                return .send([1, UInt8(credentials.username.count)] + credentials.username
                             + [UInt8(credentials.password.count)] + credentials.password)
            case (0xFF, _):
                return fail(credentials == nil ? "requires authentication, and no username/password is configured"
                                               : "accepts none of our authentication methods (username/password offered)",
                            proxyFault: true)
            default:
                return malformed("method \(method), which was not offered")
            }
        case .authentication:
            guard buffer.count >= 2 else { return .needMore }
            // RFC 1929 says version 1; some servers echo the SOCKS version 5 instead.
            guard buffer[0] == 1 || buffer[0] == 5 else { return malformed("an authentication reply of version \(buffer[0])") }
            guard buffer[1] == 0 else {
                return fail("rejected the username/password (status \(buffer[1]))", proxyFault: true)
            }
            buffer.removeFirst(2)
            phase = .connectReply
            return .send(connectRequest())
        case .connectReply:
            return connectReply()
        case .finished:
            return .needMore
        }
    }

    private func connectRequest() -> [UInt8] {
        var request: [UInt8] = [5, 1, 0]
        if let bytes = destination.address {
            request.append(bytes.count == 4 ? 1 : 4)
            request += bytes
        } else {
            request += [3, UInt8(destination.host.utf8.count)] + Array(destination.host.utf8)
        }
        let port = destination.port
        return request + [UInt8(port >> 8), UInt8(port & 0xFF)]
    }

    /// VER REP RSV ATYP BND.ADDR BND.PORT; the bound address only tells how long the reply is.
    private mutating func connectReply() -> ProxyHandshakeStep {
        guard buffer.count >= 2 else { return .needMore }
        guard buffer[0] == 5 else { return malformed("a reply of version \(buffer[0]) instead of 5") }
        let reply = buffer[1]
        if reply != 0 {
            // A refusal is decided by these two bytes; the bound address after them carries nothing.
            return fail("refused the connection to \(destination.text): \(Self.replyText(reply)) (reply \(reply))",
                        proxyFault: false)
        }
        guard buffer.count >= 5 else { return .needMore }
        let addressLength: Int
        switch buffer[3] {
        case 1: addressLength = 4
        case 4: addressLength = 16
        case 3: addressLength = 1 + Int(buffer[4])
        default: return malformed("a reply with address type \(buffer[3])")
        }
        let total = 4 + addressLength + 2
        guard buffer.count >= total else { return .needMore }
        phase = .finished
        let leftover = Array(buffer[total...])
        buffer = []
        return .established(leftover: leftover)
    }

    /// RFC 1928 section 6. Every code is an answer about the destination from a proxy that works, so none
    /// marks the proxy down (servers report their own DNS failures as 1, general failure).
    static func replyText(_ code: UInt8) -> String {
        switch code {
        case 1: return "general SOCKS server failure"
        case 2: return "connection not allowed by ruleset"
        case 3: return "network unreachable"
        case 4: return "host unreachable"
        case 5: return "connection refused by destination host"
        case 6: return "TTL expired"
        case 7: return "command not supported"
        case 8: return "address type not supported"
        default: return "unassigned reply code"
        }
    }

    private mutating func fail(_ reason: String, proxyFault: Bool) -> ProxyHandshakeStep {
        phase = .finished
        buffer = []
        return .failed(ProxyHandshakeFailure(reason: reason, proxyFault: proxyFault))
    }

    private mutating func malformed(_ what: String) -> ProxyHandshakeStep {
        fail("sent a malformed reply: \(what)", proxyFault: true)
    }
}

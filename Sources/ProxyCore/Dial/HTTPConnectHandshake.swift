/// The client side of an HTTP CONNECT tunnel (RFC 9110 section 9.3.6) with optional Basic proxy
/// authentication, as a byte-level state machine. The proxy's response head is read with the strict
/// upstream parser; anything after it belongs to the tunnel.
struct HTTPConnectHandshake {
    private let destination: ProxyDestination
    private let authorization: String?
    private var buffer: [UInt8] = []
    private var scanned = 0
    private var finished = false
    /// A proxy's answer to CONNECT is a few short lines; more is not a proxy we want to talk to.
    private static let parser = ResponseHeadParser(maxHeadBytes: 16 * 1024)

    init(destination: ProxyDestination, username: String?, password: String?) {
        self.destination = destination
        authorization = username.map { "Basic " + Base64.encode(Array("\($0):\(password ?? "")".utf8)) }
    }

    func start() -> [UInt8] {
        let target = destination.text
        var head = "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n"
        if let authorization { head += "Proxy-Authorization: \(authorization)\r\n" }
        return Array((head + "\r\n").utf8)
    }

    mutating func receive(_ bytes: [UInt8]) -> ProxyHandshakeStep {
        guard !finished else { return .needMore }
        buffer += bytes
        let result = buffer.withUnsafeBytes { Self.parser.parse($0, requestMethod: "CONNECT", searchFrom: scanned) }
        switch result {
        case .incomplete(let scanned):
            self.scanned = scanned
            return .needMore
        case .invalid(let message):
            return fail("sent a malformed response to CONNECT: \(message)", proxyFault: true)
        case .complete(let head, let length):
            let status = "\(head.status)\(head.reason.isEmpty ? "" : " " + head.reason)"
            switch head.status {
            case 200...299:
                finished = true
                let leftover = Array(buffer[length...])
                buffer = []
                return .established(leftover: leftover)
            case 407, 401:  // tinyproxy answers a failed BasicAuth with 401
                let reason = authorization == nil ? "requires authentication, and no username/password is configured"
                                                  : "rejected the username/password"
                return fail("\(reason) (\(status))", proxyFault: true)
            case 100...199:
                return fail("sent an interim response to CONNECT (\(status))", proxyFault: true)
            default:
                // 403 (policy), 502/504 (destination unreachable) and the like come from a working proxy.
                return fail("refused the connection to \(destination.text): \(status)", proxyFault: false)
            }
        }
    }

    private mutating func fail(_ reason: String, proxyFault: Bool) -> ProxyHandshakeStep {
        finished = true
        buffer = []
        return .failed(ProxyHandshakeFailure(reason: reason, proxyFault: proxyFault))
    }
}

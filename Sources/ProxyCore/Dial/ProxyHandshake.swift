/// Where a proxy is asked to connect: the origin's name, and for `socks5://` the address resolved here.
struct ProxyDestination: Equatable {
    var host: String
    var port: UInt16
    /// 4 bytes for IPv4, 16 for IPv6, in network order; nil to let the proxy resolve `host`.
    var address: [UInt8]?

    /// For messages and the CONNECT target: `host:port`, IPv6 in brackets. Always the name the user
    /// configured, even when an address was sent.
    var text: String { "\(AddressText.bracketed(host)):\(port)" }
}

/// Why a proxy handshake failed, as a phrase that follows the proxy's name in a message
/// ("rejected the username/password (status 1)").
struct ProxyHandshakeFailure: Equatable, Error {
    var reason: String
    /// The proxy itself is unusable for us (it broke the protocol or refused our credentials), as opposed
    /// to a working proxy reporting that the destination failed. Only the former marks a proxy down.
    var proxyFault: Bool
}

/// The answer of a handshake state machine to the proxy's bytes. After `.send`, the caller writes the bytes
/// and calls `receive` with no new bytes: the proxy may already have sent more than one reply.
enum ProxyHandshakeStep: Equatable {
    case needMore
    case send([UInt8])
    /// The tunnel is up; `leftover` are bytes the proxy sent after its final reply.
    case established(leftover: [UInt8])
    case failed(ProxyHandshakeFailure)
}

/// The size of a header list as HTTP/2's SETTINGS_MAX_HEADER_LIST_SIZE counts it (RFC 9113 section 6.5.2): the
/// uncompressed octets of each name and value plus 32 per field, pseudo-header fields included. A server that
/// advertises a limit may treat a larger list as a reason to end the connection, with every stream on it; so a
/// request over the limit is answered 431 by proxyd and never submitted.
enum HeaderListSize {
    /// What each field adds beyond its octets (RFC 7541 section 4.1's entry overhead, reused by RFC 9113).
    static let fieldOverhead = 32

    @inline(__always)
    static func field(nameCount: Int, valueCount: Int) -> Int {
        nameCount + valueCount + fieldOverhead
    }

    /// The list whose names and values lie at `spans` in one buffer (the shape `HTTP2Session` builds).
    static func of(_ spans: [(name: Range<Int>, value: Range<Int>)]) -> Int {
        var total = 0
        for span in spans { total += field(nameCount: span.name.count, valueCount: span.value.count) }
        return total
    }

    /// The limit assumed when a server advertises none (nghttp2 reports that as `UInt32.max`): nginx sends no
    /// SETTINGS_MAX_HEADER_LIST_SIZE yet ends the whole connection past 32 KB of names and values (its
    /// `large_client_header_buffers`, 4 × 8 KB), so a list is kept under that whatever the server says.
    static let assumedPeerLimit: UInt32 = 32 * 1024

    /// nil when a list of `size` octets may go to a peer that advertised `peerLimit`; otherwise the answer for the
    /// client.
    static func check(_ size: Int, peerLimit: UInt32) -> ProxyError? {
        let limit = peerLimit == .max ? assumedPeerLimit : peerLimit
        guard UInt64(size) > UInt64(limit) else { return nil }
        return ProxyError(431, "request header fields too large: \(size) bytes by HTTP/2's count, over the "
                          + "upstream's limit of \(limit)")
    }
}

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

    /// nil when a list of `size` octets may go to a peer that advertised `peerLimit`; otherwise the answer for the
    /// client. nghttp2 reports a setting the peer never sent as `UInt32.max`, which admits every list.
    static func check(_ size: Int, peerLimit: UInt32) -> ProxyError? {
        guard UInt64(size) > UInt64(peerLimit) else { return nil }
        return ProxyError(431, "request header fields too large: \(size) bytes by HTTP/2's count, over the "
                          + "upstream's SETTINGS_MAX_HEADER_LIST_SIZE of \(peerLimit)")
    }
}

import CNghttp2

/// The fields of one HTTP/2 request as nghttp2 takes them: the pseudo-headers in the profile's order, then
/// `UpstreamFields`' in theirs, names lowercase (HTTP/2 has no other case) and hop-by-hop fields gone. One per
/// session, rebuilt for each request in the same storage, so building allocates nothing once warm.
package struct HTTP2RequestFields {
    private var bytes: [UInt8] = []
    /// Each field's name and value in `bytes`.
    private(set) var spans: [(name: Range<Int>, value: Range<Int>)] = []
    /// `spans` as nghttp2 takes them, pointing into `bytes`: filled and used within `withNameValues`.
    private var nva: [nghttp2_nv] = []

    package init() {}

    package mutating func build(_ head: RequestHead, method: String, target: String, page: String?, origin: UpstreamOrigin,
                        plan: HeaderPlan?, pseudoHeaderOrder: [HTTP2Profile.PseudoHeader]) {
        bytes.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
        for pseudo in pseudoHeaderOrder {
            switch pseudo {
            case .method: add(":method", method)
            case .authority: add(":authority", origin.authority)
            case .scheme: add(":scheme", origin.secure ? "https" : "http")
            case .path: add(":path", target)
            }
        }
        UpstreamFields.forEach(head, method: method, page: page, origin: origin, plan: plan, http2: true) { field in
            switch field {
            case .profile(let name, let value):
                add(name, value)
            case .client(let field):
                add(field.name, field.value, lowercase: true, bearer: field.known == .authorization)
            }
        }
    }

    private mutating func add(_ name: String, _ value: String, lowercase: Bool = false, bearer: Bool = false) {
        let nameStart = bytes.count
        // Appended whole and folded in place: appending byte by byte was the top user-space symbol of a small
        // HTTP/2 request's profile (RESULTS.md, issue 13).
        bytes.append(contentsOf: name.utf8)
        let valueStart = bytes.count
        if lowercase {
            bytes.withUnsafeMutableBufferPointer { bytes in
                for index in nameStart..<valueStart where bytes[index] &- 65 < 26 { bytes[index] |= 0x20 }
            }
        }
        if bearer && UpstreamRequestHead.lacksBearer(value) {
            bytes.append(contentsOf: "Bearer ".utf8)
        }
        bytes.append(contentsOf: value.utf8)
        spans.append((nameStart..<valueStart, valueStart..<bytes.count))
    }

    /// Calls `body` with the fields as nghttp2's name-value array and its count, valid only during the call.
    /// nghttp2 copies them (no `NO_COPY` flags): the storage is rebuilt by the next request.
    package mutating func withNameValues<T>(_ body: (UnsafeMutablePointer<nghttp2_nv>, Int) -> T) -> T {
        bytes.withUnsafeMutableBufferPointer { bytes in
            nva.removeAll(keepingCapacity: true)
            for span in spans {
                nva.append(nghttp2_nv(name: bytes.baseAddress! + span.name.lowerBound,
                                      value: bytes.baseAddress! + span.value.lowerBound,
                                      namelen: span.name.count, valuelen: span.value.count,
                                      flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
            }
            let count = nva.count
            return nva.withUnsafeMutableBufferPointer { body($0.baseAddress!, count) }
        }
    }
}

import CNghttp2

/// Everything that shapes how our HTTP/2 looks on the wire, set in one place: the SETTINGS frame
/// (values and order), the connection window, the priority sent with each HEADERS frame and the
/// order of the pseudo-headers. Browser profiles (`BrowserProfile`) fill these with measured
/// values; `neutral` is a plain, well-behaved client.
package struct HTTP2Profile {
    struct Setting: Equatable {
        var id: Int32
        var value: UInt32
    }

    package enum PseudoHeader: Character {
        case method = "m", authority = "a", scheme = "s", path = "p"
    }

    var settings: [Setting]
    /// The connection-level receive window we announce (65,535 plus our WINDOW_UPDATE).
    var connectionWindow: Int32
    /// HEADERS priority (weight 1...256, exclusive flag); nil sends none.
    var priority: (weight: Int32, exclusive: Bool)?
    package var pseudoHeaderOrder: [PseudoHeader]

    /// The window every connection starts with (RFC 9113 6.9.2); ours is raised from it by one WINDOW_UPDATE.
    static let defaultWindow: Int32 = 65_535

    /// The stream window is also the bound on response bytes one stream can hold in proxyd when
    /// its client reads slowly: data is acknowledged (WINDOW_UPDATE) only once written to the client.
    static let neutral = HTTP2Profile(
        settings: [
            Setting(id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0),
            Setting(id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: 256 * 1024),
            Setting(id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), value: 256 * 1024),
        ],
        connectionWindow: 16 * 1024 * 1024,
        priority: nil,
        pseudoHeaderOrder: [.method, .authority, .scheme, .path]
    )
}

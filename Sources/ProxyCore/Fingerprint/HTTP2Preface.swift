/// What an HTTP/2 client sends before and with its first request: the connection preface, then its
/// frames up to the end of the first HEADERS block (RFC 9113 sections 3.4, 6). Parsed from the bytes
/// read after the TLS handshake; only the parts that fingerprint a client are kept.
package struct HTTP2Preface: Equatable, Sendable {
    package struct Setting: Equatable, Sendable {
        package var id: UInt16
        package var value: UInt32
    }

    package struct Priority: Equatable, Sendable {
        package var exclusive: Bool
        package var dependsOn: UInt32
        /// 1...256, the wire value plus one.
        package var weight: Int
    }

    package struct PriorityFrame: Equatable, Sendable {
        package var streamID: UInt32
        package var priority: Priority
    }

    package struct Frame: Equatable, Sendable {
        package var type: UInt8
        package var flags: UInt8
        package var streamID: UInt32
        package var length: Int
    }

    /// The first non-ACK SETTINGS frame, in wire order.
    package var settings: [Setting] = []
    /// The first connection-level WINDOW_UPDATE increment.
    package var windowUpdate: UInt32?
    package var priorityFrames: [PriorityFrame] = []
    package var frames: [Frame] = []
    package var headersStreamID: UInt32 = 0
    package var headersFlags: UInt8 = 0
    package var headersPriority: Priority?
    package var headers: [HPACKDecoder.Field] = []

    package var pseudoHeaderOrder: [String] { headers.map(\.name).filter { $0.hasPrefix(":") } }
    package var headerOrder: [String] { headers.map(\.name).filter { !$0.hasPrefix(":") } }

    package enum ParseResult: Equatable, Sendable {
        case complete(HTTP2Preface)
        case incomplete
        case invalid(String)
    }

    static let magic = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    /// Clients send a handful of frames before the first request; more means this is not a client preface.
    static let maxFramesBeforeHeaders = 200
    /// The reference capture tool's bound: above the default SETTINGS_MAX_FRAME_SIZE, below anything costly.
    static let maxFramePayload = 1 << 20
}

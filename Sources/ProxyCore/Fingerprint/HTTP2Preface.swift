/// What an HTTP/2 client sends before and with its first request: the connection preface, then its
/// frames up to the end of the first HEADERS block (RFC 9113 sections 3.4, 6). Parsed from the bytes
/// read after the TLS handshake; only the parts that fingerprint a client are kept.
public struct HTTP2Preface: Equatable, Sendable {
    public struct Setting: Equatable, Sendable {
        public var id: UInt16
        public var value: UInt32
    }

    public struct Priority: Equatable, Sendable {
        public var exclusive: Bool
        public var dependsOn: UInt32
        /// 1...256, the wire value plus one.
        public var weight: Int
    }

    public struct PriorityFrame: Equatable, Sendable {
        public var streamID: UInt32
        public var priority: Priority
    }

    public struct Frame: Equatable, Sendable {
        public var type: UInt8
        public var flags: UInt8
        public var streamID: UInt32
        public var length: Int
    }

    /// The first non-ACK SETTINGS frame, in wire order.
    public var settings: [Setting] = []
    /// The first connection-level WINDOW_UPDATE increment.
    public var windowUpdate: UInt32?
    public var priorityFrames: [PriorityFrame] = []
    public var frames: [Frame] = []
    public var headersStreamID: UInt32 = 0
    public var headersFlags: UInt8 = 0
    public var headersPriority: Priority?
    public var headers: [HPACKDecoder.Field] = []

    public var pseudoHeaderOrder: [String] { headers.map(\.name).filter { $0.hasPrefix(":") } }
    public var headerOrder: [String] { headers.map(\.name).filter { !$0.hasPrefix(":") } }

    public enum ParseResult: Equatable, Sendable {
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

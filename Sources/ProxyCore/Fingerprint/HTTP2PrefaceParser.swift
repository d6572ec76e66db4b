/// Frame-level reading of a client's HTTP/2 start, tolerant where the reference capture tool is (it
/// observes, it does not police), strict where bytes cannot be interpreted.
extension HTTP2Preface {
    private enum FrameType {
        static let headers: UInt8 = 1, priority: UInt8 = 2, settings: UInt8 = 4, windowUpdate: UInt8 = 8, continuation: UInt8 = 9
    }

    private enum Flag {
        static let ack: UInt8 = 0x1, endHeaders: UInt8 = 0x4, padded: UInt8 = 0x8, priority: UInt8 = 0x20
    }

    package static func parse(_ bytes: [UInt8], decoder: HPACKDecoder = HPACKDecoder()) -> ParseResult {
        let head = min(bytes.count, magic.count)
        guard bytes[..<head].elementsEqual(magic[..<head]) else { return .invalid("not an HTTP/2 connection preface") }
        var reader = WireReader(bytes)
        guard reader.take(magic.count) != nil else { return .incomplete }
        var preface = HTTP2Preface()
        var block: [UInt8] = []
        var inBlock = false
        var sawSettings = false
        while preface.frames.count < maxFramesBeforeHeaders {
            guard let length = reader.u24() else { return .incomplete }
            guard length <= maxFramePayload else { return .invalid("HTTP/2 frame of \(length) bytes") }
            guard let type = reader.u8(), let flags = reader.u8(), let rawStream = reader.u32(),
                  let payload = reader.take(length) else { return .incomplete }
            let stream = rawStream & 0x7FFF_FFFF
            preface.frames.append(Frame(type: type, flags: flags, streamID: stream, length: length))
            if inBlock {
                guard type == FrameType.continuation, stream == preface.headersStreamID else {
                    return .invalid("frame type \(type) inside a header block")
                }
                block += payload
                if flags & Flag.endHeaders != 0 { return finish(preface, block, decoder) }
                continue
            }
            switch type {
            case FrameType.settings where flags & Flag.ack == 0:
                if !sawSettings { preface.settings = settings(payload) }
                sawSettings = true
            case FrameType.windowUpdate where stream == 0 && payload.count >= 4:
                var body = WireReader(payload)
                if preface.windowUpdate == nil { preface.windowUpdate = body.u32().map { $0 & 0x7FFF_FFFF } }
            case FrameType.priority where payload.count >= 5:
                var body = WireReader(payload)
                if let priority = priority(&body) { preface.priorityFrames.append(PriorityFrame(streamID: stream, priority: priority)) }
            case FrameType.headers:
                guard let fragment = headerFragment(payload, flags: flags, into: &preface) else {
                    return .invalid("malformed HEADERS frame")
                }
                preface.headersStreamID = stream
                preface.headersFlags = flags
                block = Array(fragment)
                if flags & Flag.endHeaders != 0 { return finish(preface, block, decoder) }
                inBlock = true
            default:
                break
            }
        }
        return .invalid("no complete HEADERS within \(maxFramesBeforeHeaders) frames")
    }

    /// Pairs of (id, value); a trailing partial pair is ignored as the reference tool does.
    private static func settings(_ payload: ArraySlice<UInt8>) -> [Setting] {
        var reader = WireReader(payload)
        var out: [Setting] = []
        while reader.remaining >= 6, let id = reader.u16(), let value = reader.u32() {
            out.append(Setting(id: id, value: value))
        }
        return out
    }

    private static func priority(_ reader: inout WireReader) -> Priority? {
        guard let dependency = reader.u32(), let weight = reader.u8() else { return nil }
        return Priority(exclusive: dependency >> 31 == 1, dependsOn: dependency & 0x7FFF_FFFF, weight: Int(weight) + 1)
    }

    /// The header block fragment of a HEADERS payload, after padding and priority fields.
    private static func headerFragment(_ payload: ArraySlice<UInt8>, flags: UInt8, into preface: inout HTTP2Preface) -> ArraySlice<UInt8>? {
        var reader = WireReader(payload)
        var padding = 0
        if flags & Flag.padded != 0 {
            guard let length = reader.u8() else { return nil }
            padding = Int(length)
        }
        preface.headersPriority = nil
        if flags & Flag.priority != 0 {
            guard let priority = priority(&reader) else { return nil }
            preface.headersPriority = priority
        }
        guard padding <= reader.remaining else { return nil }
        return reader.take(reader.remaining - padding)
    }

    private static func finish(_ preface: HTTP2Preface, _ block: [UInt8], _ decoder: HPACKDecoder) -> ParseResult {
        var decoder = decoder
        switch decoder.decode(block[...]) {
        case .failure(let error): return .invalid(error.reason)
        case .success(let fields):
            var preface = preface
            preface.headers = fields
            return .complete(preface)
        }
    }
}

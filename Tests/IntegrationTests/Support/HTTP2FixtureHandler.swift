import Dispatch
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Answers the streams of one HTTP/2 connection at the frame level (no stream multiplexer), so the fixture sees
/// and controls every RST_STREAM, GOAWAY and WINDOW_UPDATE itself. Behaviour is chosen by the last path segment,
/// as in `FixtureHandler` (`__encoded` and `__sse?coding=` included), plus `__rst` (RST_STREAM before any HEADERS; `?code=` picks the error code, default
/// INTERNAL_ERROR), `__rst_mid` (HEADERS promising 1000 bytes, 100 of them, then RST_STREAM(INTERNAL_ERROR)),
/// `__stall` (HEADERS without a length and 100 bytes, then silence) and `__late_body` (HEADERS now, a 4-byte body
/// `?after_ms=` later).
final class HTTP2FixtureHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private struct Stream {
        let requestID: Int
        let headers: HPACKHeaders
        var body: [UInt8] = []
        var length = 0
        var hash = FNV1a()
    }

    private let connection: Int
    private let options: HTTP2Fixture.Options
    private let recorder: RequestRecorder
    private let log: HTTP2FixtureLog
    /// Streams accepted and not yet finished or reset; what MAX_CONCURRENT_STREAMS counts.
    private var streams: [HTTP2StreamID: Stream] = [:]
    private var accepted = 0
    private var goAwayLastStream: HTTP2StreamID?

    init(connection: Int, options: HTTP2Fixture.Options, recorder: RequestRecorder, log: HTTP2FixtureLog) {
        self.connection = connection
        self.options = options
        self.recorder = recorder
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let id = frame.streamID
        switch frame.payload {
        case .headers(let headers):
            if streams[id] == nil {
                guard open(id, headers: headers.headers, context: context) else { return }
                if let requestID = streams[id]?.requestID { log.notePriority(requestID: requestID, headers.priorityData) }
            }
            if headers.endStream { requestEnded(id, context: context) }
        case .data(let payload):
            guard var stream = streams[id] else { return }
            let bytes = payload.data
            if case .byteBuffer(let buffer) = bytes {
                buffer.withUnsafeReadableBytes { raw in
                    stream.hash.update(raw)
                    let room = RequestRecorder.bodyCaptureLimit - stream.body.count
                    if room > 0 { stream.body.append(contentsOf: raw.prefix(room)) }
                }
            }
            stream.length += bytes.readableBytes
            streams[id] = stream
            // Without the stream multiplexer nobody else returns the window: give back what arrived, right away.
            let consumed = bytes.readableBytes + (payload.paddingBytes.map { $0 + 1 } ?? 0)
            if consumed > 0 {
                context.write(wrapOutboundOut(HTTP2Frame(streamID: .rootStream,
                                                         payload: .windowUpdate(windowSizeIncrement: consumed))),
                              promise: nil)
                if !payload.endStream {
                    context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .windowUpdate(windowSizeIncrement: consumed))),
                                  promise: nil)
                }
                context.flush()
            }
            if payload.endStream { requestEnded(id, context: context) }
        case .settings(.settings(let settings)):
            log.noteSettings(connection: connection, settings.map { (Self.settingID($0.parameter), $0.value) })
        case .windowUpdate(let increment) where id == .rootStream:
            log.noteConnectionWindowUpdate(connection: connection, increment: increment)
        case .rstStream(let code):
            log.noteReset(.init(connection: connection, stream: Int(id), code: code,
                                time: DispatchTime.now().uptimeNanoseconds))
            streams[id] = nil
        case .ping(_, ack: false):
            log.note(.ping, connection: connection)
        case .goAway(_, let code, _):
            log.note(.goAway(code), connection: connection)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        log.note(.closed, connection: connection)
        context.fireChannelInactive()
    }

    /// NIOHTTP2 keeps a parameter's number to itself; settings ids are small, so find it by trying them.
    private static func settingID(_ parameter: HTTP2SettingsParameter) -> Int {
        (0...0xFF).first { HTTP2SettingsParameter(extensionSetting: $0) == parameter } ?? -1
    }

    /// Accepts a new stream unless the concurrency limit says no.
    private func open(_ id: HTTP2StreamID, headers: HPACKHeaders, context: ChannelHandlerContext) -> Bool {
        if let last = goAwayLastStream, id > last { return false }
        guard streams.count < options.maxConcurrentStreams else {
            log.noteRefused()
            context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .rstStream(.refusedStream))), promise: nil)
            return false
        }
        log.note(.headers(stream: Int(id)), connection: connection)
        let requestID = recorder.allocateID()
        streams[id] = Stream(requestID: requestID, headers: headers)
        log.noteRequest(id: requestID, connection: connection, stream: Int(id))
        accepted += 1
        if connection == 1, accepted == options.goAwayAfterStreams {
            goAwayLastStream = id
            log.noteGoAway(connection: connection, lastStream: Int(id))
            context.writeAndFlush(wrapOutboundOut(HTTP2Frame(
                streamID: .rootStream, payload: .goAway(lastStreamID: id, errorCode: .noError, opaqueData: nil))), promise: nil)
        }
        return true
    }

    private func requestEnded(_ id: HTTP2StreamID, context: ChannelHandlerContext) {
        guard let stream = streams[id] else { return }
        let request = RecordedRequest(
            id: stream.requestID, method: stream.headers.first(name: ":method") ?? "",
            uri: stream.headers.first(name: ":path") ?? "",
            headers: stream.headers.map { (name: $0.name, value: $0.value) },
            body: stream.body, bodyLength: stream.length, bodyHash: stream.hash.value)
        recorder.append(request)
        respond(to: request, on: id, context: context)
    }

    private func respond(to request: RecordedRequest, on id: HTTP2StreamID, context: ChannelHandlerContext) {
        let query = request.query
        let segment = request.path.split(separator: "/").last.map(String.init) ?? ""
        if request.method == "POST" && request.path == "/backend-api/conversation" {
            streamEvents(request, on: id, count: FixtureHandler.conversationEvents,
                         intervalMS: FixtureHandler.conversationIntervalMS, context: context)
            return
        }
        switch segment {
        case "__sse":
            streamEvents(request, on: id, count: Int(query["events"] ?? "") ?? 3,
                         intervalMS: Int(query["interval_ms"] ?? "") ?? 100, context: context)
        case "__big":
            BigBody(handler: self, stream: id, requestID: request.id, total: Int(query["bytes"] ?? "") ?? 0,
                    context: context).start()
        case "__encoded":
            let (coding, body) = FixtureResponses.encoded(for: request)
            sendWhole(on: id, status: 200, contentType: "text/plain; charset=utf-8", body: body,
                      extra: coding.map { [("content-encoding", $0), ("etag", "\"fixture-\($0)\"")] } ?? [], context: context)
        case "__status":
            let code = Int(query["code"] ?? "") ?? 500
            sendWhole(on: id, status: code, contentType: FixtureResponses.statusContentType,
                      body: FixtureResponses.statusBody(code: code), context: context)
        case "__hang":
            break
        case "__trailers":
            // A body without a length, then trailer fields: a HEADERS frame that ends the stream.
            writeHeaders(on: id, status: 200, ["content-type": "text/plain"], context: context)
            writeData(on: id, context.channel.allocator.buffer(string: "body"), end: false, context: context)
            let trailers = HPACKHeaders([("x-checksum", "c0ffee"), ("x-status", "done")])
            streams[id] = nil
            context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .headers(.init(headers: trailers,
                                                                                                   endStream: true)))),
                                  promise: nil)
        case "__stall":
            writeHeaders(on: id, status: 200, ["content-type": "application/octet-stream"], context: context)
            writeData(on: id, context.channel.allocator.buffer(bytes: TestPattern.bytes(count: 100)), end: false,
                      context: context)
        case "__late_body":
            writeHeaders(on: id, status: 200, ["content-type": "text/plain"], context: context)
            let delay = Int64(query["after_ms"] ?? "") ?? 1000
            context.eventLoop.scheduleTask(in: .milliseconds(delay)) {
                self.writeData(on: id, context.channel.allocator.buffer(string: "late"), end: true, context: context)
            }
        case "__rst":
            reset(id, code: HTTP2ErrorCode(networkCode: Int(query["code"] ?? "") ?? 2), context: context)
        case "__rst_mid":
            writeHeaders(on: id, status: 200, ["content-type": "application/octet-stream", "content-length": "1000"],
                         context: context)
            writeData(on: id, context.channel.allocator.buffer(bytes: TestPattern.bytes(count: 100)), end: false,
                      context: context)
            context.eventLoop.scheduleTask(in: .milliseconds(50)) { self.reset(id, code: .internalError, context: context) }
        default:
            sendWhole(on: id, status: 200, contentType: "application/json", body: FixtureResponses.echoBody(for: request),
                      context: context)
        }
    }

    // MARK: writing

    fileprivate func isOpen(_ id: HTTP2StreamID) -> Bool { streams[id] != nil }

    private func reset(_ id: HTTP2StreamID, code: HTTP2ErrorCode, context: ChannelHandlerContext) {
        guard streams.removeValue(forKey: id) != nil else { return }
        context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .rstStream(code))), promise: nil)
    }

    fileprivate func writeHeaders(on id: HTTP2StreamID, status: Int, _ fields: KeyValuePairs<String, String>,
                                  extra: [(String, String)] = [], end: Bool = false, context: ChannelHandlerContext) {
        guard isOpen(id) else { return }
        var headers = HPACKHeaders([(":status", String(status))])
        for (name, value) in fields { headers.add(name: name, value: value) }
        for (name, value) in extra { headers.add(name: name, value: value) }
        if end { streams[id] = nil }
        context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .headers(.init(headers: headers, endStream: end)))),
                              promise: nil)
    }

    fileprivate func writeData(on id: HTTP2StreamID, _ buffer: ByteBuffer, end: Bool, context: ChannelHandlerContext,
                               promise: EventLoopPromise<Void>? = nil) {
        guard isOpen(id) else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if end { streams[id] = nil }
        context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .data(.init(data: .byteBuffer(buffer), endStream: end)))),
                              promise: promise)
    }

    private func sendWhole(on id: HTTP2StreamID, status: Int, contentType: String, body: [UInt8],
                           extra: [(String, String)] = [], context: ChannelHandlerContext) {
        writeHeaders(on: id, status: status, ["content-type": contentType, "content-length": String(body.count),
                                              "x-fixture": "upstream"], extra: extra, end: body.isEmpty, context: context)
        if !body.isEmpty { writeData(on: id, context.channel.allocator.buffer(bytes: body), end: true, context: context) }
    }

    private func streamEvents(_ request: RecordedRequest, on id: HTTP2StreamID, count: Int, intervalMS: Int,
                              context: ChannelHandlerContext) {
        let encoder = request.query["coding"].flatMap { FixtureEncoder(coding: $0) }
        writeHeaders(on: id, status: 200, ["content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"],
                     extra: encoder.map { [("content-encoding", $0.coding)] } ?? [], context: context)
        let recorder = self.recorder
        for index in 0...count {
            let payload = index < count ? "data: {\"i\":\(index)}\n\n" : "data: [DONE]\n\n"
            context.eventLoop.scheduleTask(in: .milliseconds(Int64(index * intervalMS))) {
                guard self.isOpen(id) else { return }
                recorder.noteEventSent(requestID: request.id, at: DispatchTime.now().uptimeNanoseconds)
                let bytes = encoder?.encode(Array(payload.utf8), last: index == count) ?? Array(payload.utf8)
                self.writeData(on: id, context.channel.allocator.buffer(bytes: bytes), end: index == count, context: context)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Stream errors are answered by NIOHTTP2 itself and connection errors close the channel there; closing
        // here as well would turn a reset of one stream into the loss of all of them.
    }

    /// `__big`: the pattern in 16 KB frames, a few in flight at a time, so the fixture's own memory stays small
    /// and the pace is set by the windows proxyd opens (a frame's write completes when it goes on the wire).
    private final class BigBody {
        private static let frame = 16 * 1024
        private static let inFlightLimit = 4
        private let handler: HTTP2FixtureHandler
        private let stream: HTTP2StreamID
        private let requestID: Int
        private let total: Int
        private let context: ChannelHandlerContext
        private let pattern: ByteBuffer
        private var offset = 0
        private var inFlight = 0

        init(handler: HTTP2FixtureHandler, stream: HTTP2StreamID, requestID: Int, total: Int, context: ChannelHandlerContext) {
            self.handler = handler
            self.stream = stream
            self.requestID = requestID
            self.total = total
            self.context = context
            // The pattern repeats every 251 bytes, so any frame is a slice of this one buffer.
            pattern = context.channel.allocator.buffer(bytes: TestPattern.bytes(count: Self.frame + 251))
        }

        func start() {
            handler.writeHeaders(on: stream, status: 200, ["content-type": "application/octet-stream",
                                                           "content-length": String(total)],
                                 end: total == 0, context: context)
            pump()
        }

        private func pump() {
            while inFlight < Self.inFlightLimit && offset < total && handler.isOpen(stream) {
                let size = min(Self.frame, total - offset)
                guard let slice = pattern.getSlice(at: offset % 251, length: size) else { return }
                offset += size
                inFlight += 1
                let promise = context.eventLoop.makePromise(of: Void.self)
                promise.futureResult.whenComplete { result in
                    self.inFlight -= 1
                    if case .success = result {
                        self.handler.log.noteDataSent(requestID: self.requestID, bytes: size)
                        self.pump()
                    }
                }
                handler.writeData(on: stream, slice, end: offset == total, context: context, promise: promise)
            }
        }
    }
}

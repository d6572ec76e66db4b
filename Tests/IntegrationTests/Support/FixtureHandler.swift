import Dispatch
import Foundation
import NIOCore
import NIOHTTP1

/// Answers one upstream connection. Behaviour is chosen by the last path segment (`__sse`, `__big`, `__status`,
/// `__hang`, `__close_mid_body`, `__encoded`; `__sse?coding=` compresses the events), whatever prefix (/backend-api/, /v1/, …) proxyd's routing put before it, so
/// every route family can reach every behaviour. `POST /backend-api/conversation` is the contract's SSE route.
final class FixtureHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let conversationEvents = 5
    static let conversationIntervalMS = 300

    private let recorder: RequestRecorder
    private var current: (id: Int, head: HTTPRequestHead, body: [UInt8], length: Int, hash: FNV1a)?
    /// A `__big` body still being sent.
    private var bigBody: (sent: Int, count: Int, keepAlive: Bool)?
    private var writingBigBody = false

    init(recorder: RequestRecorder) { self.recorder = recorder }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            current = (recorder.allocateID(), head, [], 0, FNV1a())
            if head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))),
                                      promise: nil)
            }
        case .body(let buffer):
            guard var request = current else { return }
            buffer.withUnsafeReadableBytes { bytes in
                request.hash.update(bytes)
                let room = RequestRecorder.bodyCaptureLimit - request.body.count
                if room > 0 { request.body.append(contentsOf: bytes.prefix(room)) }
            }
            request.length += buffer.readableBytes
            current = request
        case .end:
            guard let request = current else { return }
            current = nil
            let recorded = RecordedRequest(
                id: request.id, method: request.head.method.rawValue, uri: request.head.uri,
                headers: request.head.headers.map { (name: $0.name, value: $0.value) },
                body: request.body, bodyLength: request.length, bodyHash: request.hash.value)
            recorder.append(recorded)
            respond(to: recorded, keepAlive: request.head.isKeepAlive, context: context)
        }
    }

    private func respond(to request: RecordedRequest, keepAlive: Bool, context: ChannelHandlerContext) {
        let query = request.query
        let segment = request.path.split(separator: "/").last.map(String.init) ?? ""
        if request.method == "POST" && request.path == "/backend-api/conversation" {
            streamEvents(request, count: Self.conversationEvents, intervalMS: Self.conversationIntervalMS,
                         keepAlive: keepAlive, context: context)
            return
        }
        switch segment {
        case "__sse":
            streamEvents(request, count: Int(query["events"] ?? "") ?? 3, intervalMS: Int(query["interval_ms"] ?? "") ?? 100,
                         keepAlive: keepAlive, context: context)
        case "__big":
            sendBig(count: Int(query["bytes"] ?? "") ?? 0, keepAlive: keepAlive, context: context)
        case "__encoded":
            let (coding, body) = FixtureResponses.encoded(for: request)
            sendWhole(status: 200, contentType: "text/plain; charset=utf-8", body: body,
                      extra: coding.map { [("content-encoding", $0), ("etag", "\"fixture-\($0)\"")] } ?? [],
                      keepAlive: keepAlive, context: context)
        case "__status":
            let code = Int(query["code"] ?? "") ?? 500
            sendWhole(status: code, contentType: FixtureResponses.statusContentType,
                      body: FixtureResponses.statusBody(code: code), keepAlive: keepAlive, context: context)
        case "__hang":
            break
        case "__close_mid_body":
            var head = HTTPResponseHead(version: .http1_1, status: .ok)
            head.headers.add(name: "content-type", value: "application/octet-stream")
            head.headers.add(name: "content-length", value: "1000")
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            let partial = context.channel.allocator.buffer(bytes: TestPattern.bytes(count: 100))
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(partial)))).whenComplete { _ in
                context.close(promise: nil)
            }
        default:
            sendWhole(status: 200, contentType: "application/json", body: FixtureResponses.echoBody(for: request),
                      keepAlive: keepAlive, context: context)
        }
    }

    private func sendWhole(status: Int, contentType: String, body: [UInt8], extra: [(String, String)] = [], keepAlive: Bool,
                           context: ChannelHandlerContext) {
        var head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status))
        head.headers.add(name: "content-type", value: contentType)
        for (name, value) in extra { head.headers.add(name: name, value: value) }
        head.headers.add(name: "content-length", value: String(body.count))
        head.headers.add(name: "x-fixture", value: "upstream")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        finish(keepAlive: keepAlive, context: context)
    }

    /// Sends the head now and the body as the channel takes it.
    private func sendBig(count: Int, keepAlive: Bool, context: ChannelHandlerContext) {
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "content-type", value: "application/octet-stream")
        head.headers.add(name: "content-length", value: String(count))
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        bigBody = (sent: 0, count: count, keepAlive: keepAlive)
        continueBigBody(context: context)
    }

    /// Writes pieces while the channel is writable and picks up again on `channelWritabilityChanged`: a proxyd
    /// that stops reading then holds the fixture back, as it would a real upstream, and a 100 MB body is
    /// never queued (or generated) whole.
    private func continueBigBody(context: ChannelHandlerContext) {
        // A flush can change writability and call back in here; the outer call carries on instead.
        guard !writingBigBody else { return }
        writingBigBody = true
        defer { writingBigBody = false }
        let piece = 64 * 1024
        while let body = bigBody, body.sent < body.count, context.channel.isWritable {
            let size = min(piece, body.count - body.sent)
            bigBody?.sent += size
            let bytes = TestPattern.bytes(count: size, startingAt: body.sent)
            // Flushed piece by piece: TLS holds unflushed writes itself, where they do not count against writability.
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))),
                                  promise: nil)
        }
        if let body = bigBody, body.sent == body.count {
            bigBody = nil
            finish(keepAlive: body.keepAlive, context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { continueBigBody(context: context) }
        context.fireChannelWritabilityChanged()
    }

    private func streamEvents(_ request: RecordedRequest, count: Int, intervalMS: Int, keepAlive: Bool,
                              context: ChannelHandlerContext) {
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "content-type", value: "text/event-stream; charset=utf-8")
        head.headers.add(name: "cache-control", value: "no-cache")
        head.headers.add(name: "transfer-encoding", value: "chunked")
        let encoder = request.query["coding"].flatMap { FixtureEncoder(coding: $0) }
        if let encoder { head.headers.add(name: "content-encoding", value: encoder.coding) }
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        let recorder = self.recorder
        for index in 0...count {
            let payload = index < count ? "data: {\"i\":\(index)}\n\n" : "data: [DONE]\n\n"
            context.eventLoop.scheduleTask(in: .milliseconds(Int64(index * intervalMS))) {
                guard context.channel.isActive else { return }
                recorder.noteEventSent(requestID: request.id, at: DispatchTime.now().uptimeNanoseconds)
                let bytes = encoder?.encode(Array(payload.utf8), last: index == count) ?? Array(payload.utf8)
                let buffer = context.channel.allocator.buffer(bytes: bytes)
                context.writeAndFlush(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                if index == count { self.finish(keepAlive: keepAlive, context: context) }
            }
        }
    }

    private func finish(keepAlive: Bool, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

/// Bodies the fixture answers, shared with the tests that check them byte for byte after the relay.
enum FixtureResponses {
    static let statusContentType = "application/problem+json; charset=utf-8"

    static func statusBody(code: Int) -> [UInt8] {
        Array("{\"fixtureStatus\":\(code),\"detail\":\"answered by the upstream fixture\"}".utf8)
    }

    static func echoBody(for request: RecordedRequest) -> [UInt8] {
        let summary: [String: Any] = [
            "requestId": request.id,
            "method": request.method,
            "uri": request.uri,
            "bodyLength": request.bodyLength,
            "bodyHash": String(request.bodyHash, radix: 16),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])) ?? Data()
        return Array(data)
    }
}

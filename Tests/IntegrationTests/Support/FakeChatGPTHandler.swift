import NIOCore
import NIOHTTP1

/// How a conversation's stream ended, as the fake saw it.
struct FakeStreamEnd {
    /// The client went away (HTTP/2 RST_STREAM, or the connection closed) before the fake wrote the end.
    let cancelled: Bool
    /// Monotonic (`DispatchTime`) time of the end or of the cancellation.
    let time: UInt64
    /// Writes and bytes made before it.
    let writes: Int
    let bytes: Int
}

/// NIO glue of the fake chatgpt.com, the same for an HTTP/1.1 connection and an HTTP/2 stream (both arrive as
/// HTTPServerRequestPart): collects each request whole, asks `FakeChatGPT`, and writes the answer; a streamed
/// answer write by write, each flushed and written before the next (so a client that reads slowly holds the fake
/// back, as flow control does the site), with the knobs' pause between them. A stream the client leaves before
/// its end is recorded as cancelled.
final class FakeChatGPTHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let site: FakeChatGPT
    private let connection: Int
    private var assembler = FakeRequestAssembler()
    /// The record id of the stream being written, until its end is written.
    private var streaming: Int?
    /// Codes the stream's writes when the answer has a coding.
    private var encoder: FixtureEncoder?

    init(site: FakeChatGPT, connection: Int) {
        self.site = site
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let assembled = assembler.add(unwrapInboundIn(data)) else { return }
        let (id, answer) = site.answer(assembled.request, connection: connection)
        let head = assembled.head
        respond(answer, id: id, closeAfter: head.version.major == 1 && !head.isKeepAlive, context: context)
    }

    private func respond(_ answer: FakeChatGPTAnswer, id: Int, closeAfter: Bool, context: ChannelHandlerContext) {
        var responseHead = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: answer.status))
        for (name, value) in answer.headers { responseHead.headers.add(name: name, value: value) }
        guard answer.streams else {
            responseHead.headers.add(name: "content-length", value: String(answer.body.count))
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: answer.body)))), promise: nil)
            end(closeAfter: closeAfter, context: context)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.head(responseHead)), promise: nil)
        streaming = id
        encoder = answer.coding.flatMap { FixtureEncoder(coding: $0) }
        write(answer.writeSource, index: 0, id: id, closeAfter: closeAfter, context: context)
    }

    private func write(_ source: FakeWriteSource, index: Int, id: Int, closeAfter: Bool, context: ChannelHandlerContext) {
        guard context.channel.isActive, streaming == id else { return }
        guard let bytes = source.next() else {
            if let last = encoder?.encode([], last: true) {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: last)))), promise: nil)
            }
            end(closeAfter: closeAfter, context: context)
            return
        }
        site.noteWrite(bytes, of: id, keep: source.keepsBytes)
        let delay = TimeAmount.milliseconds(Int64(source.delayMs?(index) ?? site.knobs.streamDelayMs))
        let sent = encoder?.encode(bytes, last: false) ?? bytes
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: sent)))))
            .whenSuccess {
                context.eventLoop.scheduleTask(in: delay) {
                    self.write(source, index: index + 1, id: id, closeAfter: closeAfter, context: context)
                }
            }
    }

    /// The last write was made: the stream counts as written to its end (an HTTP/2 stream may close, the client's
    /// half being closed already, before the end's write completes).
    private func end(closeAfter: Bool, context: ChannelHandlerContext) {
        if let id = streaming {
            streaming = nil
            site.noteStreamEnd(of: id, cancelled: false)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if closeAfter { context.close(promise: nil) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let id = streaming {
            streaming = nil
            site.noteStreamEnd(of: id, cancelled: true)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

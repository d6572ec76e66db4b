import NIOCore
import NIOHTTP1

/// NIO glue of the fake chatgpt.com, the same for an HTTP/1.1 connection and an HTTP/2 stream (both arrive as
/// HTTPServerRequestPart): collects each request whole, asks `FakeChatGPT`, and writes the answer; a streamed
/// answer write by write, each flushed, with the knobs' pause between them.
final class FakeChatGPTHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let site: FakeChatGPT
    private let connection: Int
    private var assembler = FakeRequestAssembler()

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
        if answer.writes.count <= 1 { responseHead.headers.add(name: "content-length", value: String(answer.body.count)) }
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if answer.writes.count <= 1 {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: answer.body)))), promise: nil)
            end(closeAfter: closeAfter, context: context)
        } else {
            context.flush()
            write(answer.writes, from: 0, id: id, closeAfter: closeAfter, context: context)
        }
    }

    private func write(_ writes: [[UInt8]], from index: Int, id: Int, closeAfter: Bool, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        guard index < writes.count else {
            end(closeAfter: closeAfter, context: context)
            return
        }
        site.noteWrite(writes[index], of: id)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: writes[index])))),
                              promise: nil)
        context.eventLoop.scheduleTask(in: site.streamDelay) {
            self.write(writes, from: index + 1, id: id, closeAfter: closeAfter, context: context)
        }
    }

    private func end(closeAfter: Bool, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if closeAfter { context.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

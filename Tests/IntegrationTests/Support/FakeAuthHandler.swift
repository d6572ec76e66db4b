import NIOCore
import NIOHTTP1

/// NIO glue of the login fake: collects each request whole, asks `FakeAuthFlows`, writes the answer.
final class FakeAuthHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let flows: FakeAuthFlows
    private var assembler = FakeRequestAssembler()

    init(flows: FakeAuthFlows) { self.flows = flows }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let assembled = assembler.add(unwrapInboundIn(data)) else { return }
        var request = assembled.request
        if let client = context.channel.remoteAddress?.port, let server = context.channel.localAddress?.port {
            request.senderPID = SocketOwner.pid(clientPort: client, serverPort: server)
        }
        let answer = flows.answer(request)
        var responseHead = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: answer.status))
        for (name, value) in answer.headers { responseHead.headers.add(name: name, value: value) }
        responseHead.headers.add(name: "content-length", value: String(answer.body.utf8.count))
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: answer.body)))),
                      promise: nil)
        let keepAlive = assembled.head.isKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

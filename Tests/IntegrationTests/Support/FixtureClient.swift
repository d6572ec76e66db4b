import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// An HTTPS client on the same independent stack as the fixture, used only to check the fixture itself, so a
/// failing proxyd test can be told apart from a broken fixture.
enum FixtureClient {
    struct Response {
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        /// The response's end was seen (not a close or an error part-way).
        var ended = false
        var error: Error?
        var timedOut = false
    }

    static func send(port: Int, trustRoot: String, method: HTTPMethod = .GET, uri: String,
                     headers: [(String, String)] = [], body: [UInt8] = [], timeout: Int64 = 5) throws -> Response {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(trustRoot)
        tls.applicationProtocols = ["http/1.1"]
        tls.shutdownTimeout = .milliseconds(100)
        let sslContext = try NIOSSLContext(configuration: tls)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let promise = group.next().makePromise(of: Response.self)
        let collector = Collector(promise: promise)

        let channel = try ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: sslContext, serverHostname: "localhost"))
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .connect(host: "127.0.0.1", port: port).wait()

        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        head.headers.add(name: "host", value: "localhost:\(port)")
        head.headers.add(name: "content-length", value: String(body.count))
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if !body.isEmpty {
            channel.write(HTTPClientRequestPart.body(.byteBuffer(channel.allocator.buffer(bytes: body))), promise: nil)
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        channel.eventLoop.scheduleTask(in: .seconds(timeout)) { collector.finish(timedOut: true) }
        let response = try promise.futureResult.wait()
        try? channel.close().wait()
        return response
    }

    private final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPClientResponsePart
        private let promise: EventLoopPromise<Response>
        private var response = Response()
        private var done = false

        init(promise: EventLoopPromise<Response>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head) where head.status.code >= 200: response.head = head
            case .head: break
            case .body(let buffer): response.body.append(contentsOf: buffer.readableBytesView)
            case .end:
                response.ended = true
                finish(timedOut: false)
            }
        }

        func channelInactive(context: ChannelHandlerContext) { finish(timedOut: false) }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            response.error = response.error ?? error
            finish(timedOut: false)
            context.close(promise: nil)
        }

        /// Runs on the channel's event loop only.
        func finish(timedOut: Bool) {
            guard !done else { return }
            done = true
            response.timedOut = timedOut
            promise.succeed(response)
        }
    }
}

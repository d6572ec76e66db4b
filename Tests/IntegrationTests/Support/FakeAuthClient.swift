import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A plain client for checking the login fake without proxyd: a crude browser with host-only cookies
/// (no paths or expiry beyond deletion), one TLS connection per request on the fixtures' NIO stack.
final class FakeAuthClient {
    struct Response {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    private let port: Int
    private let sslContext: NIOSSLContext
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private(set) var cookies: [String: [String: String]] = [:]

    init(port: Int, trustRoot: String) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(trustRoot)
        tls.applicationProtocols = ["http/1.1"]
        // A client that leaves mid-answer (`stopAfter`) closes the TCP connection soon after its close_notify, as
        // browsers do, rather than waiting seconds for a server that keeps streaming to answer it.
        tls.shutdownTimeout = .milliseconds(50)
        sslContext = try NIOSSLContext(configuration: tls)
        self.port = port
    }

    deinit { try? group.syncShutdownGracefully() }

    /// Puts a cookie in the jar, as one a browser had stored before.
    func setCookie(_ name: String, _ value: String, host: String) { cookies[host, default: [:]][name] = value }

    /// `url` is `https://host:port/path?query` as the fake writes it. `stopAfter`: close the connection once that
    /// many body bytes arrived (a client that leaves mid-stream) and return what came.
    func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: String = "",
              stopAfter: Int? = nil) throws -> Response {
        guard let components = URLComponents(string: url), let host = components.host else {
            throw TestSetupError("bad URL \(url)")
        }
        let target = components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target)
        head.headers.add(name: "host", value: "\(host):\(port)")
        head.headers.add(name: "content-length", value: String(body.utf8.count))
        head.headers.add(name: "connection", value: "close")
        if let jar = cookies[host], !jar.isEmpty {
            head.headers.add(name: "cookie", value: jar.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: "; "))
        }
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        let promise = group.next().makePromise(of: Response.self)
        let collector = Collector(promise: promise, stopAfter: stopAfter)
        let channel = try ClientBootstrap(group: group)
            .channelInitializer { [sslContext] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: host))
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .connect(host: "127.0.0.1", port: port).wait()
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(channel.allocator.buffer(string: body))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        let response = try promise.futureResult.wait()
        try? channel.close().wait()
        for value in response.headers where value.name.lowercased() == "set-cookie" {
            let pair = value.value.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0])
            if value.value.contains("Max-Age=0") { cookies[host]?[name] = nil } else { cookies[host, default: [:]][name] = String(pair[1]) }
        }
        return response
    }

    private final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPClientResponsePart
        private let promise: EventLoopPromise<Response>
        private var response = Response(status: 0, headers: [], body: [])
        private var done = false
        private let stopAfter: Int?

        init(promise: EventLoopPromise<Response>, stopAfter: Int?) {
            self.promise = promise
            self.stopAfter = stopAfter
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                response.status = Int(head.status.code)
                response.headers = head.headers.map { (name: $0.name, value: $0.value) }
            case .body(let buffer):
                response.body.append(contentsOf: buffer.readableBytesView)
                if let stopAfter, response.body.count >= stopAfter {
                    finish(nil)
                    context.close(promise: nil)
                }
            case .end:
                finish(nil)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            finish(TestSetupError("connection closed before the response ended"))
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            finish(error)
            context.close(promise: nil)
        }

        private func finish(_ error: Error?) {
            guard !done else { return }
            done = true
            if let error { promise.fail(error) } else { promise.succeed(response) }
        }
    }
}

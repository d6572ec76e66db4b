import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// An HTTPS upstream on 127.0.0.1 (or another loopback address) with an OS-chosen port, built on SwiftNIO + NIOSSL so that it shares no code
/// with proxyd's own HTTP and TLS stacks.
final class UpstreamFixture {
    let recorder = RequestRecorder()
    let connections = ConnectionLog()
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel

    /// The base URL proxyd should be configured with; `localhost` so host-name verification is exercised.
    var baseURL: String { "https://localhost:\(port)" }

    init(certificatePath: String, keyPath: String, host: String = "127.0.0.1") throws {
        let context = try TLSTestServer.context(certificatePath: certificatePath, keyPath: keyPath, alpn: ["http/1.1"],
                                                minimum: .tlsv12, maximum: .tlsv13)
        let recorder = self.recorder
        let connections = self.connections

        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        (channel, port) = try TLSTestServer.listen(on: host, group: group, what: "upstream fixture") { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                try channel.pipeline.syncOperations.addHandler(ConnectionTracker(log: connections))
                try channel.pipeline.syncOperations.addHandler(FixtureHandler(recorder: recorder))
            }
        }
    }

    static func trusted(_ pki: TestPKI, host: String = "127.0.0.1") throws -> UpstreamFixture {
        try UpstreamFixture(certificatePath: pki.serverCertificatePath, keyPath: pki.serverKeyPath, host: host)
    }

    static func untrusted(_ pki: TestPKI) throws -> UpstreamFixture {
        try UpstreamFixture(certificatePath: pki.untrustedCertificatePath, keyPath: pki.untrustedKeyPath)
    }

    /// Also drops connections left open on purpose (`__hang`).
    func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

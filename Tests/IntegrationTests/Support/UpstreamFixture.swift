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
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        tls.maximumTLSVersion = .tlsv13
        tls.applicationProtocols = ["http/1.1"]
        // Closing a connection must not wait the default 5 s for proxyd's close_notify (after `__hang`, say).
        tls.shutdownTimeout = .milliseconds(100)
        let context = try NIOSSLContext(configuration: tls)
        let recorder = self.recorder
        let connections = self.connections

        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 256)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(ConnectionTracker(log: connections))
                        try channel.pipeline.syncOperations.addHandler(FixtureHandler(recorder: recorder))
                    }
                }
                .bind(host: host, port: 0).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        guard let port = channel.localAddress?.port else {
            try? group.syncShutdownGracefully()
            throw TestSetupError("upstream fixture has no local port")
        }
        self.port = port
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

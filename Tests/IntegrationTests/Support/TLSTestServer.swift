import NIOCore
import NIOPosix
import NIOSSL

/// What the test upstreams share on the TLS side: a server context from PEM files and a listener on a free
/// loopback port. Each fixture brings only its protocols and its handlers.
enum TLSTestServer {
    static func context(certificatePath: String, keyPath: String, alpn: [String],
                        minimum: TLSVersion? = nil, maximum: TLSVersion? = nil) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem)))
        if let minimum { tls.minimumTLSVersion = minimum }
        if let maximum { tls.maximumTLSVersion = maximum }
        tls.applicationProtocols = alpn
        // Closing a connection must not wait the default 5 s for proxyd's close_notify (after `__hang`, say).
        tls.shutdownTimeout = .milliseconds(100)
        return try NIOSSLContext(configuration: tls)
    }

    /// Binds on `host`, port 0; on failure shuts `group` down. `what` names the fixture in the error.
    static func listen(on host: String, group: MultiThreadedEventLoopGroup, what: String,
                       _ initializer: @escaping @Sendable (Channel) -> EventLoopFuture<Void>) throws -> (channel: Channel, port: Int) {
        do {
            let channel = try ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 256)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer(initializer)
                .bind(host: host, port: 0).wait()
            guard let port = channel.localAddress?.port else { throw TestSetupError("\(what) has no local port") }
            return (channel, port)
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }
}

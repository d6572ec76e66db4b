import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The login fake: one HTTPS server on 127.0.0.1 answering as chatgpt.test, auth.test, platform.test and
/// platform-web.test by Host (the test certificate names them all). proxyd reaches the names through
/// PROXYD_RESOLVE; `settings` gives everything it needs.
final class FakeAuthHosts {
    static let hostNames = ["chatgpt.test", "auth.test", "platform.test", "platform-web.test"]

    let flows: FakeAuthFlows
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel

    init(pki: TestPKI) throws {
        let context = try TLSTestServer.context(certificatePath: pki.serverCertificatePath, keyPath: pki.serverKeyPath,
                                                alpn: ["http/1.1"])
        // The port is only known after binding, and the flows put it in their URLs: they look it up lazily.
        let box = LateBox<FakeAuthFlows>()
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        (channel, port) = try TLSTestServer.listen(on: "127.0.0.1", group: group, what: "login fake") { channel in
            channel.eventLoop.makeCompletedFuture {
                guard let flows = box.value else { throw TestSetupError("login fake not ready") }
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                try channel.pipeline.syncOperations.addHandler(FakeAuthHandler(flows: flows))
            }
        }
        flows = FakeAuthFlows(port: port)
        box.value = flows
    }

    /// proxyd's base URLs and name overrides for the fake.
    var settings: [String: String] {
        [
            "PROXYD_CHATGPT_URL": flows.origin("chatgpt.test"),
            "PROXYD_AUTH_URL": flows.origin("auth.test"),
            "PROXYD_PLATFORM_URL": flows.origin("platform.test"),
            "PROXYD_PLATFORM_WEB_URL": flows.origin("platform-web.test"),
            "PROXYD_RESOLVE": Self.hostNames.map { "\($0):\(port):127.0.0.1" }.joined(separator: ","),
        ]
    }

    func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

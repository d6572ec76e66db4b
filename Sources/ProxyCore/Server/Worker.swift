/// One event-loop thread and everything it owns: its listener, client connections, upstream pool,
/// resolver and parsers. Nothing here is shared with other workers; the only way in from another
/// thread is `loop.post`.
final class Worker {
    let loop: EventLoop
    let configuration: Configuration
    let router: Router
    let tls: TLSContext
    let resolver: Resolver
    let pool = UpstreamPool()
    /// Which upstream proxies are up, and the policy that picks one per request.
    private(set) lazy var proxies = ProxySet(worker: self)
    let loginSlots: LoginSlots
    let requestParser = RequestHeadParser()
    let responseParser = ResponseHeadParser()
    /// How upstream requests present themselves (HTTP/2 preface, header order and identity).
    let profile: BrowserProfile
    private var listener: Listener?

    init(configuration: Configuration, tls: TLSContext, resolveOverrides: [Resolver.Key: [SocketAddress]]) throws {
        loop = try EventLoop()
        self.configuration = configuration
        self.tls = tls
        profile = BrowserProfile.named(configuration.tlsProfile)
        loginSlots = LoginSlots(limit: configuration.maxLoginsPerWorker)
        router = Router(chatgpt: configuration.chatgpt, platform: configuration.platform)
        resolver = try Resolver(loop: loop, overrides: resolveOverrides, configuration: configuration)
    }

    /// Runs the loop on the calling thread until `stop`.
    func run(listenFD: Int32) throws {
        let listener = Listener(fd: listenFD, worker: self)
        self.listener = listener
        try loop.registerListener(listener, fd: listenFD)
        loop.run()
    }

    /// Callable from any thread.
    func stop() {
        loop.post { [loop] in loop.stop() }
    }
}

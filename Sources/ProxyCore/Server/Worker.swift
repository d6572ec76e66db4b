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
    /// Spare storage for the connections' buffers, so an exchange reuses the last one's.
    let buffers = BufferPool()
    /// The heap of this worker's nghttp2 sessions.
    let http2Memory = HTTP2Memory()
    /// Which upstream proxies are up, and the policy that picks one per request.
    private(set) lazy var proxies = ProxySet(worker: self)
    let loginSlots: LoginSlots
    /// Bad or missing keys by client address, so a scanner is refused before its keys are even read.
    let failedKeyChecks = FailedKeyChecks()
    /// Accounts' browser state, the site's build id and the proof-of-work solver (made on the first turn).
    private(set) lazy var chatgpt = ChatGPTState(configuration: configuration, loop: loop)
    let requestParser = RequestHeadParser()
    let responseParser = ResponseHeadParser()
    /// The long field strings and request targets the parsers and HTTP/2 sessions made last, for reuse.
    let fieldStrings = FieldStringCache()
    /// How upstream requests present themselves (HTTP/2 preface, header order and identity).
    let profile: BrowserProfile
    /// The o200k_base tokenizer /imitate/v1 counts with; shared read-only by all workers.
    let tokenizer: Tokenizer?
    /// Written here only; the admin thread reads them at scrape time.
    let metrics: WorkerMetrics
    private var listener: Listener?
    /// The client connections alive here, for the drain and the overload bound.
    private var clients: [ObjectIdentifier: ClientConnection] = [:]
    let bounds: OverloadBounds
    /// Forwarded requests and logins under way here, held from admission to their answer's end or their
    /// connection's close (`ClientConnection`), checked against `bounds.streams`.
    var streamsInFlight = 0
    /// SIGTERM arrived: no new connections, none kept alive; the loop ends when the last one closes.
    private(set) var draining = false
    private var drainDeadline: DrainDeadline?
    /// Gives what closed connections freed back to the system after a burst (issue 10).
    private let memoryTrim: MemoryTrim

    init(configuration: Configuration, tls: TLSContext, resolveOverrides: [Resolver.Key: [SocketAddress]],
         tokenizer: Tokenizer? = nil, descriptorLimit: Int = 1_024, metrics: WorkerMetrics? = nil) throws {
        loop = try EventLoop()
        self.tokenizer = tokenizer
        self.metrics = metrics ?? WorkerMetrics(layout: MetricsLayout(proxies: configuration.upstreamProxies.count))
        self.configuration = configuration
        self.tls = tls
        profile = BrowserProfile.named(configuration.tlsProfile)
        loginSlots = LoginSlots(limit: configuration.maxLoginsPerWorker)
        bounds = OverloadBounds(configuration: configuration, descriptorLimit: descriptorLimit)
        router = Router(chatgpt: configuration.chatgpt, platform: configuration.platform)
        resolver = try Resolver(loop: loop, overrides: resolveOverrides, configuration: configuration,
                                metrics: self.metrics)
        memoryTrim = MemoryTrim(loop: loop, buffers: buffers)
    }

    /// Runs the loop on the calling thread until `stop`.
    func run(listenFD: Int32) throws {
        let listener = Listener(fd: listenFD, worker: self)
        self.listener = listener
        try loop.registerListener(listener, fd: listenFD)
        metrics.setReady(true)
        loop.run()
        metrics.setReady(false)
    }

    /// Callable from any thread.
    func stop() {
        loop.post { [loop] in loop.stop() }
    }

    /// Callable from any thread: stops accepting, lets the requests and streams under way finish, and
    /// ends the loop when the last connection closes or `PROXYD_DRAIN_TIMEOUT` runs out.
    func drain() {
        loop.post { [self] in
            guard !draining else { return }
            draining = true
            metrics.setReady(false)
            listener?.close()
            listener = nil
            for client in Array(clients.values) { client.drain() }
            if clients.isEmpty {
                loop.stop()
                return
            }
            let deadline = DrainDeadline(worker: self)
            drainDeadline = deadline
            loop.setTimeout(deadline, milliseconds: configuration.drainTimeoutMs)
        }
    }

    func adopt(_ client: ClientConnection) {
        clients[ObjectIdentifier(client)] = client
        memoryTrim.connectionsChanged(clients.count)
    }

    /// Another connection would pass `bounds.connections`.
    var isFull: Bool { clients.count >= bounds.connections }

    func release(_ client: ClientConnection) {
        clients[ObjectIdentifier(client)] = nil
        memoryTrim.connectionsChanged(clients.count)
        if draining && clients.isEmpty { loop.stop() }
    }

    /// The drain's time is up: what still runs is cut off with the loop.
    fileprivate func drainTimedOut() {
        Log.warning("drain timeout: closing \(clients.count) connections still under way")
        loop.stop()
    }
}

/// The timer of a worker's drain (the worker itself has no events).
private final class DrainDeadline: EventHandler {
    private unowned let worker: Worker

    init(worker: Worker) {
        self.worker = worker
    }

    override func handleTimeout() {
        worker.drainTimedOut()
    }
}

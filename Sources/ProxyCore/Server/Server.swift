import CEpoll
import Glibc

/// Starts one worker thread per configured core, each with its own SO_REUSEPORT listener, and
/// waits for SIGINT or SIGTERM: the first drains the workers, a second stops them at once.
package final class Server {
    private let configuration: Configuration
    private let tls: TLSContext
    private var listenFDs: [Int32] = []
    private var workers: [Worker] = []
    private var threads: [pthread_t] = []
    private let finished = FinishedWorkers()
    private let resolveOverrides: [Resolver.Key: [SocketAddress]]
    /// PROXYD_ADMIN_LISTEN's socket, bound with the workers' listeners; -1 when it is off.
    private var adminFD: Int32 = -1
    private var admin: AdminServer?
    /// Loaded once, read by every worker.
    private let tokenizer: Tokenizer?
    /// Raised to the hard limit before any worker starts; the workers' overload bounds derive from it.
    private let descriptorLimit: Int

    /// Binds every worker's listener now, so a busy port or bad address stops startup with one line.
    package init(configuration: Configuration) throws {
        self.configuration = configuration
        Log.level = configuration.logLevel
        Log.format = configuration.logFormat
        tls = try Self.upstreamTLS(configuration)
        resolveOverrides = try Self.resolveOverrides(configuration)
        tokenizer = try Self.tokenizer(configuration)
        descriptorLimit = DescriptorLimit.raise()
        for _ in 0..<configuration.workers {
            let fd = cepoll_listen(configuration.listenHost, configuration.listenPort, 4096, 1)
            guard fd >= 0 else {
                let err = cepoll_errno()
                listenFDs.forEach { _ = Glibc.close($0) }
                throw ServerError("PROXYD_LISTEN: cannot listen on \(configuration.listenHost):\(configuration.listenPort): \(errnoText(err))")
            }
            listenFDs.append(fd)
        }
        if let admin = configuration.adminListen {
            do {
                adminFD = try AdminServer.bind(host: admin.host, port: admin.port)
            } catch {
                listenFDs.forEach { _ = Glibc.close($0) }
                throw error
            }
        }
    }

    /// The TLS context every worker's upstream connections share.
    static func upstreamTLS(_ configuration: Configuration) throws -> TLSContext {
        do {
            return try TLSContext(caFile: configuration.caFile, alpnProtocols: ["h2", "http/1.1"],
                                  profile: TLSProfile(configuration.tlsProfile))
        } catch {
            throw ServerError("upstream TLS setup failed: \(error)")
        }
    }

    /// The vocabulary /imitate/v1 counts with, loaded before the workers start (about 0.1 s). A missing file is
    /// a warning, since proxyd serves everything else as well without it; a broken one stops startup.
    static func tokenizer(_ configuration: Configuration) throws -> Tokenizer? {
        guard let path = configuration.tokenizerPath else { return nil }
        guard access(path, F_OK) == 0 else {
            Log.warning("PROXYD_TOKENIZER: no o200k_base vocabulary at \(path) (scripts/install-deps installs it): "
                        + "/imitate/v1 answers carry no usage, and max_tokens is refused")
            return nil
        }
        do {
            return try Tokenizer.load(path: path)
        } catch {
            throw ServerError("PROXYD_TOKENIZER: \(error)")
        }
    }

    /// PROXYD_RESOLVE as the resolver takes it.
    static func resolveOverrides(_ configuration: Configuration) throws -> [Resolver.Key: [SocketAddress]] {
        var overrides: [Resolver.Key: [SocketAddress]] = [:]
        for entry in configuration.resolve {
            guard let address = SocketAddress(ip: entry.address, port: entry.port) else {
                throw ServerError("PROXYD_RESOLVE: \(entry.address) is not a numeric address")
            }
            overrides[Resolver.Key(host: entry.host, port: entry.port), default: []].append(address)
        }
        return overrides
    }

    /// Serves until SIGINT or SIGTERM, drains the workers (until the requests under way are done, a
    /// second signal, or `PROXYD_DRAIN_TIMEOUT`), then stops them and returns.
    package func run() throws {
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        // Blocked before the workers start, so they inherit the mask and only this thread takes them.
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

        try start()
        var received: Int32 = 0
        sigwait(&stopSignals, &received)
        Log.info("signal \(received): draining for up to \(secondsText(configuration.drainTimeoutMs)) s; "
            + "the same signal again stops at once")
        for worker in workers { worker.drain() }
        // Polled, because a worker's end is not a signal: 50 ms adds little to a drain of seconds.
        var poll = timespec(tv_sec: 0, tv_nsec: 50_000_000)
        while finished.count < workers.count {
            if sigtimedwait(&stopSignals, nil, &poll) > 0 {
                Log.info("second signal: stopping now")
                break
            }
        }
        stop()
    }

    /// Starts the workers and returns at once; for callers that decide themselves when to `stop`
    /// (the `fingerprint` diagnostic). `run` is this plus waiting for a signal.
    package func start() throws {
        // Writes to closed sockets must fail with EPIPE, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        let layout = MetricsLayout(proxies: configuration.upstreamProxies.count)
        for fd in listenFDs {
            let worker = try Worker(configuration: configuration, tls: tls, resolveOverrides: resolveOverrides,
                                    tokenizer: tokenizer, descriptorLimit: descriptorLimit,
                                    metrics: WorkerMetrics(layout: layout))
            workers.append(worker)
            threads.append(try startThread(detached: false) { [finished] in
                do {
                    try worker.run(listenFD: fd)
                } catch {
                    Log.error("worker stopped: \(error)")
                }
                finished.increment()
            })
        }
        let bounds = workers[0].bounds
        Log.info("serving on \(configuration.listenHost):\(configuration.listenPort) with \(workers.count) workers, "
                 + "each taking up to \(bounds.connections) connections and \(bounds.streams) requests under way "
                 + "(open-file limit \(descriptorLimit))")
        let host = configuration.listenHost
        if configuration.keys == nil && !(host.hasPrefix("127.") || host == "::1" || host == "localhost") {
            Log.warning("no PROXYD_KEYS_FILE: anyone who reaches \(host):\(configuration.listenPort) can use this proxyd "
                        + "(proxyd keys add makes a key)")
        }
        if adminFD >= 0, let address = configuration.adminListen {
            let admin = try AdminServer(fd: adminFD, workers: workers.map(\.metrics), layout: layout,
                                        timeoutMs: configuration.headerTimeoutMs)
            try admin.start()
            self.admin = admin
            Log.info("admin (/metrics, /healthz, /readyz) on \(AddressText.bracketed(address.host)):\(address.port)")
        }
    }

    /// Stops the started workers and waits for their threads to end.
    package func stop() {
        for worker in workers { worker.stop() }
        for thread in threads { pthread_join(thread, nil) }
        workers = []
        threads = []
        // After the workers: /readyz says 503 to the end of a drain.
        admin?.stop()
        admin = nil
    }
}

/// How many worker threads have returned from their loop, read by the main thread while it drains.
private final class FinishedWorkers: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private var value = 0

    init() { pthread_mutex_init(&lock, nil) }
    deinit { pthread_mutex_destroy(&lock) }

    func increment() {
        pthread_mutex_lock(&lock)
        value += 1
        pthread_mutex_unlock(&lock)
    }

    var count: Int {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return value
    }
}

package struct ServerError: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}

import CEpoll
import Glibc

/// The admin listener (`PROXYD_ADMIN_LISTEN`), on a thread and event loop of its own: `GET /metrics` adds up the
/// workers' metrics and renders them, `GET /healthz` answers while the process runs, `GET /readyz` while every
/// worker listens and none drains. Apart from the workers, a scrape never waits behind proxied traffic, and none
/// of this is reachable from the main listener. Each connection carries one request, bounded in size and time
/// (`AdminConnection`), and at most `maxConnections` are open: a bad client can neither stall it nor grow it.
package final class AdminServer {
    static let maxConnections = 16

    let loop: EventLoop
    private let fd: Int32
    private let workers: [WorkerMetrics]
    private let layout: MetricsLayout
    /// How long a connection may take from accept to its answer's last byte (PROXYD_HEADER_TIMEOUT).
    let timeoutMs: UInt64
    private var thread: pthread_t?
    private var listener: AdminListener?
    /// Loop-confined: the connections open now, closed with the loop.
    private var connections: [ObjectIdentifier: AdminConnection] = [:]

    /// Binds on the calling (main) thread, so that a bad address or a busy port stops startup with one line.
    /// Without SO_REUSEPORT: on the main listener's port the bind fails rather than sharing its connections.
    static func bind(host: String, port: UInt16) throws -> Int32 {
        let fd = cepoll_listen(host, port, 64, 0)
        guard fd >= 0 else {
            throw ServerError("PROXYD_ADMIN_LISTEN: cannot listen on \(AddressText.bracketed(host)):\(port): "
                              + errnoText(cepoll_errno()))
        }
        return fd
    }

    init(fd: Int32, workers: [WorkerMetrics], layout: MetricsLayout, timeoutMs: UInt64) throws {
        loop = try EventLoop()
        self.fd = fd
        self.workers = workers
        self.layout = layout
        self.timeoutMs = timeoutMs
    }

    func start() throws {
        let listener = AdminListener(fd: fd, server: self)
        self.listener = listener
        try loop.registerListener(listener, fd: fd)
        thread = try startThread(detached: false) { [self] in
            loop.run()
            for connection in Array(connections.values) { connection.close() }
            Glibc.close(fd)
        }
    }

    /// Callable from the thread that started it: ends the loop and waits for the thread.
    func stop() {
        guard let thread else { return }
        loop.post { [loop] in loop.stop() }
        pthread_join(thread, nil)
        self.thread = nil
    }

    // MARK: connections (the admin thread)

    var isFull: Bool { connections.count >= Self.maxConnections }

    func adopt(_ connection: AdminConnection) {
        connections[ObjectIdentifier(connection)] = connection
    }

    func release(_ connection: AdminConnection) {
        connections[ObjectIdentifier(connection)] = nil
    }

    /// The answer to a complete request head: status, content type and body.
    func answer(method: String, target: String) -> (status: Int, contentType: String, body: String) {
        let json = "application/json; charset=utf-8"
        guard method == "GET" else { return (404, json, LocalResponse.errorBody("no admin route for \(method)")) }
        switch pathOnly(target) {
        case "/metrics":
            var cells = [UInt64](repeating: 0, count: layout.cellCount)
            for worker in workers { worker.addCells(to: &cells) }
            return (200, MetricsText.contentType, MetricsText.render(layout, cells: cells, version: BuildInfo.version))
        case "/healthz":
            return (200, json, "{\"status\":\"ok\"}")
        case "/readyz":
            let ready = workers.filter(\.isReady).count
            let body = "{\"status\":\"\(ready == workers.count ? "ready" : "not ready")\",\"workers\":\(workers.count),"
                + "\"ready\":\(ready)}"
            return (ready == workers.count ? 200 : 503, json, body)
        default:
            return (404, json, LocalResponse.errorBody("no admin route for GET \(pathOnly(target))"))
        }
    }
}

/// The admin socket: accepts while fewer than `maxConnections` are open, and closes what comes beyond at once.
final class AdminListener: EventHandler {
    private unowned let server: AdminServer
    private let fd: Int32

    init(fd: Int32, server: AdminServer) {
        self.fd = fd
        self.server = server
    }

    override func handleEvents(_ events: UInt32) {
        while true {
            let client = cepoll_accept(fd)
            guard client >= 0 else {
                // Out of descriptors: the level-triggered listener would wake the loop again at once.
                let err = cepoll_errno()
                if err == EMFILE || err == ENFILE {
                    server.loop.setListening(self, fd: fd, false)
                    server.loop.setTimeout(self, milliseconds: 1_000)
                }
                return  // EAGAIN, or an error the next readiness event retries
            }
            if server.isFull {
                Glibc.close(client)
                continue
            }
            let connection = AdminConnection(fd: client, server: server)
            do {
                try connection.start()
            } catch {
                Glibc.close(client)
            }
        }
    }

    override func handleTimeout() {
        server.loop.setListening(self, fd: fd, true)
    }
}

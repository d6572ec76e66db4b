import CEpoll
import Glibc

/// A worker's own listening socket (SO_REUSEPORT: the kernel spreads new connections over the
/// workers). Accepts in bounded batches so one busy listener cannot starve the loop's other work.
final class Listener: EventHandler {
    private unowned let worker: Worker
    let fd: Int32
    private static let acceptBatch = 64

    init(fd: Int32, worker: Worker) {
        self.fd = fd
        self.worker = worker
    }

    override func handleEvents(_ events: UInt32) {
        for _ in 0..<Self.acceptBatch {
            let client = cepoll_accept(fd)
            if client < 0 {
                let err = cepoll_errno()
                if err == EMFILE || err == ENFILE {
                    // Out of descriptors: a level-triggered listener would spin, so pause accepting.
                    Log.warning("accept: \(errnoText(err)); pausing accepts for 1 s (raise LimitNOFILE)")
                    worker.loop.setListening(self, fd: fd, false)
                    worker.loop.setTimeout(self, milliseconds: 1_000)
                }
                return  // EAGAIN, or an error the next readiness event retries
            }
            if worker.isFull {
                refuse(client)
                continue
            }
            let connection = ClientConnection(fd: client, worker: worker)
            do {
                try connection.start()
            } catch {
                Log.warning("cannot serve an accepted connection: \(error)")
                Glibc.close(client)
            }
        }
    }

    /// Past `PROXYD_MAX_CONNECTIONS`: a 503 the client can read (best effort: one non-blocking write into an
    /// empty socket buffer), then close. Accepting and closing keeps the kernel's queue short, where leaving
    /// connections in it would only delay the same answer until they time out.
    private func refuse(_ client: Int32) {
        _ = Self.fullAnswer.withUnsafeBytes { SocketIO.write(client, $0) }
        Glibc.close(client)
        refused += 1
        if worker.loop.now >= nextRefusalLog {
            Log.warning("\(refused) connections refused: this worker has \(worker.bounds.connections) (PROXYD_MAX_CONNECTIONS)")
            refused = 0
            nextRefusalLog = worker.loop.now + 10_000
        }
    }

    /// Refused since the last warning; one warning at most every 10 s, so a flood cannot flood the log.
    private var refused = 0
    private var nextRefusalLog: UInt64 = 0

    private static let fullAnswer: [UInt8] = {
        var out = IOBuffer()
        LocalResponse.write(status: 503, json: LocalResponse.errorBody("proxyd is at its connection limit; retry shortly"),
                            minorVersion: 1, keepAlive: false, retryAfter: "1", into: &out)
        return Array(out.readable)
    }()

    override func handleTimeout() {
        worker.loop.setListening(self, fd: fd, true)
    }

    /// No more connections: new ones are refused by the kernel (or go to a worker still listening).
    func close() {
        worker.loop.deregister(self, fd: fd)
        Glibc.close(fd)
    }
}

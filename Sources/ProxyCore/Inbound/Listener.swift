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
            let connection = ClientConnection(fd: client, worker: worker)
            do {
                try connection.start()
            } catch {
                Log.warning("cannot serve an accepted connection: \(error)")
                Glibc.close(client)
            }
        }
    }

    override func handleTimeout() {
        worker.loop.setListening(self, fd: fd, true)
    }

    /// No more connections: new ones are refused by the kernel (or go to a worker still listening).
    func close() {
        worker.loop.deregister(self, fd: fd)
        Glibc.close(fd)
    }
}

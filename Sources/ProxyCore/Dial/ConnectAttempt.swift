import CEpoll
import Glibc

/// One non-blocking TCP connect of a Happy Eyeballs race: its own registration, so several can be in
/// flight for one `Dialer`, which decides what their outcomes mean.
final class ConnectAttempt: EventHandler {
    let fd: Int32
    let address: SocketAddress
    private unowned let dialer: Dialer

    init(fd: Int32, address: SocketAddress, dialer: Dialer) {
        self.fd = fd
        self.address = address
        self.dialer = dialer
    }

    override func handleEvents(_ events: UInt32) {
        let error = cepoll_socket_error(fd)
        if error == EINPROGRESS || error == EALREADY { return }
        dialer.attemptFinished(self, error: error)
    }
}

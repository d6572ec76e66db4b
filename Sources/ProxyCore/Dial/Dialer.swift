import CEpoll
import Glibc

/// Produces a connected non-blocking socket to an origin, directly or through one upstream proxy, in stages
/// that each have their own deadline and message: DNS (the worker's resolver), TCP connect with Happy
/// Eyeballs (RFC 8305), then the proxy's SOCKS5 or CONNECT handshake. TLS and HTTP are the caller's.
/// A probe (`tcpOnly`) stops after the TCP connect to the proxy.
final class Dialer: EventHandler, ResolverClient {
    enum Outcome {
        /// The socket is the caller's now; `leftover` are bytes the proxy sent after its final reply.
        case connected(fd: Int32, leftover: [UInt8])
        /// `proxyFault`: the proxy itself could not be used (unreachable, broken, refused our credentials).
        case failed(ProxyError, proxyFault: Bool)
    }

    private enum Stage {
        case idle, resolvingDestination, resolvingConnectHost, connecting, handshaking, done
    }

    private enum Handshake {
        case socks5(SOCKS5Handshake)
        case connect(HTTPConnectHandshake)

        mutating func receive(_ bytes: [UInt8]) -> ProxyHandshakeStep {
            switch self {
            case .socks5(var machine):
                let step = machine.receive(bytes)
                self = .socks5(machine)
                return step
            case .connect(var machine):
                let step = machine.receive(bytes)
                self = .connect(machine)
                return step
            }
        }
    }

    /// RFC 8305's recommended Connection Attempt Delay.
    static let attemptDelayMs: UInt64 = 250

    private unowned let worker: Worker
    private let destination: ProxyDestination
    private let proxy: UpstreamProxy?
    private let tcpOnly: Bool
    private var completion: ((Outcome) -> Void)?
    private var stage = Stage.idle
    private var lookup: Resolver.Key?
    private var destinationAddress: [UInt8]?
    private var addresses: [SocketAddress] = []
    private var nextAddress = 0
    private var attempts: [ConnectAttempt] = []
    private var lastConnectError = ""
    private var stageDeadline: UInt64 = .max
    private var nextAttemptAt: UInt64 = .max
    private var fd: Int32 = -1
    private var handshake: Handshake?
    private var pendingOutput = IOBuffer()
    /// Read by the caller when the dial completes, to log where the setup spent its time.
    private(set) var timings = SetupTimings()

    init(worker: Worker, host: String, port: UInt16, proxy: UpstreamProxy?, tcpOnly: Bool = false,
         completion: @escaping (Outcome) -> Void) {
        self.worker = worker
        destination = ProxyDestination(host: host, port: port)
        self.proxy = proxy
        self.tcpOnly = tcpOnly
        self.completion = completion
    }

    private var proxyLabel: String { proxy?.label ?? "" }

    /// Host and port the TCP connect goes to.
    private var connectHost: (host: String, port: UInt16) {
        if let proxy { return (proxy.host, proxy.port) }
        return (destination.host, destination.port)
    }

    /// May complete before returning (numeric addresses, synchronous failures).
    func start() {
        // The resolver keeps the DNS stage's deadline (PROXYD_DNS_TIMEOUT) and answers `.timedOut`.
        stageDeadline = .max
        if proxy?.scheme == .socks5 && !tcpOnly {
            stage = .resolvingDestination
            resolve(destination.host, destination.port)
        } else {
            stage = .resolvingConnectHost
            resolve(connectHost.host, connectHost.port)
        }
    }

    /// The caller gives up (its connection closed): everything opened so far is closed, no completion.
    func cancel() {
        completion = nil
        cleanUp()
        stage = .done
    }

    // MARK: DNS

    private func resolve(_ host: String, _ port: UInt16) {
        lookup = Resolver.Key(host: host, port: port)
        if let answer = worker.resolver.resolve(host: host, port: port, for: self) { didResolve(answer) }
    }

    func didResolve(_ answer: Resolver.Answer) {
        lookup = nil
        switch (stage, answer) {
        case (.resolvingDestination, .failure(let message)):
            fail(502, "upstream DNS lookup failed for \(destination.host): \(message)", proxyFault: false)
        case (.resolvingDestination, .timedOut):
            failDNSTimeout(destination.host, proxyFault: false)
        case (.resolvingDestination, .addresses(let list)):
            // The proxy's own connectivity is unknown; IPv4 is what proxies reach most often.
            destinationAddress = (list.first { !$0.isIPv6 } ?? list.first)?.addressBytes
            timings.end(.dns)
            stage = .resolvingConnectHost
            resolve(connectHost.host, connectHost.port)
        case (.resolvingConnectHost, .failure(let message)):
            if proxy == nil {
                fail(502, "upstream DNS lookup failed for \(destination.host): \(message)", proxyFault: false)
            } else {
                fail(502, "\(proxyLabel) cannot be resolved: \(message)", proxyFault: true)
            }
        case (.resolvingConnectHost, .timedOut):
            failDNSTimeout(connectHost.host, proxyFault: proxy != nil)
        case (.resolvingConnectHost, .addresses(let list)):
            addresses = SocketAddress.happyEyeballsOrder(list)
            timings.end(.dns)
            stage = .connecting
            stageDeadline = worker.loop.now &+ worker.configuration.connectTimeoutMs
            startNextAttempt()
            updateDeadline()
        default:
            break  // an answer after cancel
        }
    }

    private func failDNSTimeout(_ host: String, proxyFault: Bool) {
        let seconds = secondsText(worker.configuration.dnsTimeoutMs)
        fail(504, "upstream DNS lookup for \(host) timed out after \(seconds) s (PROXYD_DNS_TIMEOUT)", proxyFault: proxyFault)
    }

    // MARK: TCP (Happy Eyeballs)

    /// Starts the next address's connect; one that fails at once is skipped without waiting.
    private func startNextAttempt() {
        nextAttemptAt = .max
        while stage == .connecting && nextAddress < addresses.count {
            let address = addresses[nextAddress]
            nextAddress += 1
            var inProgress: Int32 = 0
            let newFD = address.withSockaddr { cepoll_connect($0, $1, &inProgress) }
            if newFD < 0 {
                lastConnectError = "\(address): \(errnoText(cepoll_errno()))"
                continue
            }
            if inProgress == 0 {
                won(newFD)
                return
            }
            let attempt = ConnectAttempt(fd: newFD, address: address, dialer: self)
            do {
                try worker.loop.register(attempt, fd: newFD)
            } catch {
                Glibc.close(newFD)
                lastConnectError = "\(address): \(error)"
                continue
            }
            attempts.append(attempt)
            if nextAddress < addresses.count { nextAttemptAt = worker.loop.now &+ Self.attemptDelayMs }
            return
        }
        if stage == .connecting && attempts.isEmpty { connectFailed() }
    }

    func attemptFinished(_ attempt: ConnectAttempt, error: Int32) {
        guard stage == .connecting, let index = attempts.firstIndex(where: { $0 === attempt }) else { return }
        attempts.remove(at: index)
        worker.loop.deregister(attempt, fd: attempt.fd)
        if error == 0 {
            won(attempt.fd)
            return
        }
        Glibc.close(attempt.fd)
        lastConnectError = "\(attempt.address): \(errnoText(error))"
        startNextAttempt()  // a failure does not wait out the attempt delay
        updateDeadline()
    }

    private func connectFailed() {
        if proxy == nil {
            fail(502, "upstream connect to \(destination.text) failed: \(lastConnectError)", proxyFault: false)
        } else {
            fail(502, "\(proxyLabel) is unreachable: connect failed: \(lastConnectError)", proxyFault: true)
        }
    }

    /// The first socket to connect wins; the others are closed.
    private func won(_ winner: Int32) {
        closeAttempts()
        fd = winner
        timings.end(.tcp)
        guard let proxy, !tcpOnly else {
            finish(.connected(fd: takeFD(), leftover: []))
            return
        }
        stage = .handshaking
        stageDeadline = worker.loop.now &+ worker.configuration.proxyTimeoutMs
        updateDeadline()
        do {
            try worker.loop.register(self, fd: fd)
        } catch {
            fail(502, "\(proxyLabel): \(error)", proxyFault: false)
            return
        }
        let first: [UInt8]
        switch proxy.scheme {
        case .http:
            let machine = HTTPConnectHandshake(destination: destination, username: proxy.username, password: proxy.password)
            first = machine.start()
            handshake = .connect(machine)
        case .socks5, .socks5h:
            var target = destination
            target.address = proxy.scheme == .socks5 ? destinationAddress : nil
            let machine = SOCKS5Handshake(destination: target, username: proxy.username, password: proxy.password)
            switch machine.start() {
            case .success(let greeting): first = greeting
            case .failure(let failure):
                fail(502, "\(proxyLabel) \(failure.reason)", proxyFault: failure.proxyFault)
                return
            }
            handshake = .socks5(machine)
        }
        send(first)
    }

    // MARK: proxy handshake

    override func handleEvents(_ events: UInt32) {
        guard stage == .handshaking else { return }
        if events & CEPOLL_OUT != 0 { writePending() }
        if events & (CEPOLL_IN | CEPOLL_RDHUP | CEPOLL_HUP | CEPOLL_ERR) != 0 { readReplies() }
    }

    private func send(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { pendingOutput.append($0) }
        writePending()
    }

    /// Writes what the handshake queued; the rest when the socket takes it (CEPOLL_OUT).
    private func writePending() {
        if case .failed(let reason) = pendingOutput.drain(through: { SocketIO.write(fd, $0) }) {
            fail(502, "\(proxyLabel) failed during the handshake: write: \(reason)", proxyFault: true)
        }
    }

    private func readReplies() {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while stage == .handshaking {
            switch chunk.withUnsafeMutableBytes({ SocketIO.read(fd, into: $0) }) {
            case .bytes(let n):
                advance(Array(chunk[0..<n]))
            case .wouldBlock:
                return
            case .end:
                fail(502, "\(proxyLabel) closed the connection during the handshake for \(destination.text)",
                     proxyFault: true)
                return
            case .failed(let reason):
                fail(502, "\(proxyLabel) failed during the handshake: read: \(reason)", proxyFault: true)
                return
            }
        }
    }

    private func advance(_ bytes: [UInt8]) {
        guard var machine = handshake else { return }
        var step = machine.receive(bytes)
        while case .send(let output) = step, stage == .handshaking {
            send(output)
            step = machine.receive([])
        }
        handshake = machine
        guard stage == .handshaking else { return }
        switch step {
        case .needMore, .send:
            return
        case .established(let leftover):
            timings.end(.proxy)
            worker.loop.deregister(self, fd: fd)  // the caller registers the socket as its own
            finish(.connected(fd: takeFD(), leftover: leftover))
        case .failed(let failure):
            fail(502, "\(proxyLabel) \(failure.reason)", proxyFault: failure.proxyFault)
        }
    }

    // MARK: deadlines

    private func updateDeadline() {
        guard stage != .done else { return }
        worker.loop.setDeadline(self, min(stageDeadline, nextAttemptAt))
    }

    override func handleTimeout() {
        let now = worker.loop.now
        if now >= stageDeadline {
            stageTimedOut()
            return
        }
        if now >= nextAttemptAt { startNextAttempt() }
        updateDeadline()
    }

    private func stageTimedOut() {
        let config = worker.configuration
        switch stage {
        case .resolvingDestination, .resolvingConnectHost:
            return  // no deadline of ours: the resolver answers `.timedOut`
        case .connecting:
            let seconds = secondsText(config.connectTimeoutMs)
            if proxy == nil {
                fail(504, "upstream connect to \(destination.text) timed out after \(seconds) s (PROXYD_CONNECT_TIMEOUT)",
                     proxyFault: false)
            } else {
                fail(504, "\(proxyLabel) is unreachable: connect timed out after \(seconds) s (PROXYD_CONNECT_TIMEOUT)",
                     proxyFault: true)
            }
        case .handshaking:
            fail(504, "\(proxyLabel) did not complete the proxy handshake for \(destination.text) within "
                 + "\(secondsText(config.proxyTimeoutMs)) s (PROXYD_PROXY_TIMEOUT)", proxyFault: true)
        case .idle, .done:
            break
        }
    }

    // MARK: ending

    private func takeFD() -> Int32 {
        let taken = fd
        fd = -1
        return taken
    }

    private func fail(_ status: Int, _ message: String, proxyFault: Bool) {
        cleanUp()
        finish(.failed(ProxyError(status, message), proxyFault: proxyFault))
    }

    private func finish(_ outcome: Outcome) {
        stage = .done
        worker.loop.setDeadline(self, .max)
        let completion = self.completion
        self.completion = nil
        completion?(outcome)
    }

    private func closeAttempts() {
        for attempt in attempts {
            worker.loop.deregister(attempt, fd: attempt.fd)
            Glibc.close(attempt.fd)
        }
        attempts.removeAll()
        nextAttemptAt = .max
    }

    private func cleanUp() {
        if let lookup { worker.resolver.cancel(self, host: lookup.host) }
        lookup = nil
        closeAttempts()
        if fd >= 0 {
            worker.loop.deregister(self, fd: fd)
            Glibc.close(fd)
            fd = -1
        }
        worker.loop.setDeadline(self, .max)
    }
}

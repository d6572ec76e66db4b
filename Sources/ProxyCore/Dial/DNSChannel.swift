import CAres
import CEpoll
import Glibc

/// One c-ares channel driven by one worker's loop: c-ares's sockets are registered on the loop's epoll
/// (its socket-state callback), its retransmission timer is this handler's deadline, and nothing blocks.
/// Results go to `owner` outside of c-ares's own calls, so the owner may start new queries from them.
final class DNSChannel: EventHandler {
    weak var owner: Resolver?

    private unowned let loop: EventLoop
    private var channel: ares_channel?
    private var sockets: [Int32: DNSSocket] = [:]
    private var finished: [(DNSQuery, DNSResult)] = []
    private var delivering = false
    private var destroying = false
    /// The query `query` is starting: c-ares answers some (/etc/hosts, literal addresses) before returning.
    private var startingQuery: DNSQuery?
    private var immediateResult: DNSResult?

    private static let libraryStatus: Int32 = ares_library_init(ARES_LIB_INIT_ALL)

    /// `timeoutMs` is the caller's whole budget; c-ares retries within it (a lost UDP datagram is
    /// asked again at a quarter of it, then backing off), and keeps trying past it so that the
    /// caller's own deadline, not c-ares, decides when a lookup has timed out.
    init(loop: EventLoop, servers: [DNSServer], timeoutMs: UInt64) throws {
        self.loop = loop
        super.init()
        guard Self.libraryStatus == ARES_SUCCESS else { throw Self.setupError("ares_library_init", Self.libraryStatus) }
        var options = ares_options()
        options.sock_state_cb = dnsSocketStateCallback
        options.sock_state_cb_data = Unmanaged.passUnretained(self).toOpaque()
        options.timeout = Int32(clamping: max(timeoutMs / 4, 1))
        options.tries = 4
        let mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS
        // "fb": /etc/hosts first, then DNS, as the system resolver does.
        let status = "fb".withCString { lookups in
            options.lookups = UnsafeMutablePointer(mutating: lookups)  // copied by ares_init_options
            return ares_init_options(&channel, &options, mask)
        }
        guard status == ARES_SUCCESS else { throw Self.setupError("ares_init_options", status) }
        if !servers.isEmpty { try setServers(servers) }
    }

    deinit {
        // The loop may be gone already: c-ares closing its sockets (which leaves epoll) is enough.
        destroying = true
        if let channel { ares_destroy(channel) }
    }

    private func setServers(_ servers: [DNSServer]) throws {
        let nodes = UnsafeMutableBufferPointer<ares_addr_port_node>.allocate(capacity: servers.count)
        defer { nodes.deallocate() }
        for (index, server) in servers.enumerated() {
            var node = ares_addr_port_node()
            node.udp_port = Int32(server.port)
            node.tcp_port = Int32(server.port)
            if inet_pton(AF_INET, server.address, &node.addr.addr4) == 1 {
                node.family = AF_INET
            } else if inet_pton(AF_INET6, server.address, &node.addr.addr6) == 1 {
                node.family = AF_INET6
            } else {
                throw ServerError("DNS server \(server.address) is not a numeric address")
            }
            nodes[index] = node
        }
        for index in 0..<servers.count {
            nodes[index].next = index + 1 < servers.count ? nodes.baseAddress! + index + 1 : nil
        }
        let status = ares_set_servers_ports(channel, nodes.baseAddress)
        guard status == ARES_SUCCESS else { throw Self.setupError("ares_set_servers_ports", status) }
    }

    private static func setupError(_ call: String, _ status: Int32) -> ServerError {
        ServerError("DNS resolver setup failed: \(call): \(String(cString: ares_strerror(status)))")
    }

    /// Starts an A and AAAA lookup of `host`. Returns the result when c-ares had it at once;
    /// otherwise it comes later through `owner.dnsDidFinish`.
    func query(_ host: String, generation: UInt64) -> DNSResult? {
        let query = DNSQuery(host: host, generation: generation, channel: self)
        var hints = ares_addrinfo_hints()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        startingQuery = query
        ares_getaddrinfo(channel, host, nil, &hints, dnsAddrinfoCallback, Unmanaged.passRetained(query).toOpaque())
        startingQuery = nil
        let result = immediateResult
        immediateResult = nil
        settle()
        return result
    }

    fileprivate func completed(_ query: DNSQuery, _ result: DNSResult) {
        if query === startingQuery {
            immediateResult = result
        } else {
            finished.append((query, result))
        }
    }

    // MARK: driving c-ares from the loop

    /// Hands results over once c-ares has returned, then re-arms c-ares's timer.
    private func settle() {
        if !delivering {
            delivering = true
            while !finished.isEmpty {
                let batch = finished
                finished.removeAll()
                for (query, result) in batch { owner?.dnsDidFinish(query.host, generation: query.generation, result) }
            }
            delivering = false
        }
        var buffer = timeval()
        guard let channel, let next = ares_timeout(channel, nil, &buffer) else {
            loop.setDeadline(self, .max)
            return
        }
        let milliseconds = UInt64(clamping: next.pointee.tv_sec) &* 1000 &+ UInt64(clamping: next.pointee.tv_usec + 999) / 1000
        loop.setTimeout(self, milliseconds: milliseconds)
    }

    override func handleTimeout() {
        ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD)
        settle()
    }

    fileprivate func socketEvents(_ socket: DNSSocket, _ events: UInt32) {
        let fd = socket.fd
        let readFD = events & (CEPOLL_IN | CEPOLL_RDHUP | CEPOLL_HUP | CEPOLL_ERR) != 0 ? fd : ARES_SOCKET_BAD
        let writeFD = events & CEPOLL_OUT != 0 ? fd : ARES_SOCKET_BAD
        ares_process_fd(channel, readFD, writeFD)
        // Edge-triggered: what c-ares left unread would never be reported again. A peek that does
        // not fail means a datagram, stream bytes or end-of-stream are waiting.
        var rounds = 0
        var byte: UInt8 = 0
        while readFD != ARES_SOCKET_BAD, socket.token != 0, rounds < 64,
              recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) >= 0 {
            ares_process_fd(channel, fd, ARES_SOCKET_BAD)
            rounds += 1
        }
        settle()
    }

    fileprivate func socketState(_ fd: Int32, readable: Bool, writable: Bool) {
        guard !destroying else { return }
        if !readable && !writable {
            if let socket = sockets.removeValue(forKey: fd) { loop.deregister(socket, fd: fd) }
            return
        }
        if let socket = sockets[fd] {
            // Already writable sockets give no new edge: try the write on this loop turn.
            if writable { loop.runSoon(socket) }
            return
        }
        let socket = DNSSocket(fd: fd, channel: self)
        do {
            try loop.register(socket, fd: fd)
            sockets[fd] = socket
        } catch {
            // The query on it times out through c-ares's timer.
            Log.error("DNS socket cannot join the event loop: \(error)")
        }
    }
}

/// One of c-ares's UDP or TCP sockets, registered edge-triggered for reads and writes.
private final class DNSSocket: EventHandler {
    let fd: Int32
    private weak var channel: DNSChannel?

    init(fd: Int32, channel: DNSChannel) {
        self.fd = fd
        self.channel = channel
    }

    override func handleEvents(_ events: UInt32) {
        channel?.socketEvents(self, events)
    }

    override func handleDeferred() {
        guard token != 0 else { return }
        channel?.socketEvents(self, CEPOLL_OUT)
    }
}

/// c-ares's argument for one lookup: which name and which of the resolver's attempts it answers.
private final class DNSQuery {
    let host: String
    let generation: UInt64
    weak var channel: DNSChannel?

    init(host: String, generation: UInt64, channel: DNSChannel) {
        self.host = host
        self.generation = generation
        self.channel = channel
    }
}

private let dnsSocketStateCallback: ares_sock_state_cb = { data, fd, readable, writable in
    guard let data else { return }
    // No retain: c-ares also calls this from ares_destroy, inside the channel's deinit.
    Unmanaged<DNSChannel>.fromOpaque(data)._withUnsafeGuaranteedRef {
        $0.socketState(fd, readable: readable != 0, writable: writable != 0)
    }
}

private let dnsAddrinfoCallback: ares_addrinfo_callback = { argument, status, _, info in
    defer { if let info { ares_freeaddrinfo(info) } }
    guard let argument else { return }
    let query = Unmanaged<DNSQuery>.fromOpaque(argument).takeRetainedValue()
    // ARES_EDESTRUCTION: the channel is being destroyed and nobody waits any more.
    guard status != ARES_EDESTRUCTION, let channel = query.channel else { return }
    channel.completed(query, DNSResult(status: status, info: info))
}

extension DNSResult {
    init(status: Int32, info: UnsafeMutablePointer<ares_addrinfo>?) {
        switch status {
        case ARES_SUCCESS:
            var addresses: [SocketAddress] = []
            var ttl = Int32.max
            var node = info?.pointee.nodes
            while let current = node {
                let entry = current.pointee
                if let address = entry.ai_addr, entry.ai_family == AF_INET || entry.ai_family == AF_INET6 {
                    addresses.append(SocketAddress(address, length: entry.ai_addrlen))
                    ttl = min(ttl, entry.ai_ttl)
                }
                node = entry.ai_next
            }
            // A CNAME's record may expire before the addresses it leads to.
            var alias = info?.pointee.cnames
            while let current = alias {
                ttl = min(ttl, current.pointee.ttl)
                alias = current.pointee.next
            }
            self = addresses.isEmpty
                ? .notFound("no IPv4 or IPv6 address (NODATA)")
                : .addresses(addresses, ttlSeconds: UInt32(clamping: max(ttl, 0)))
        case ARES_ENOTFOUND, ARES_ENONAME:
            self = .notFound("no such name (NXDOMAIN)")
        case ARES_ENODATA:
            self = .notFound("no IPv4 or IPv6 address (NODATA)")
        case ARES_ETIMEOUT:
            self = .timedOut
        default:
            self = .failure(String(cString: ares_strerror(status)))
        }
    }
}

/// The first stage of an upstream connection: a `Dialer` brings the socket (DNS, TCP, the proxy's
/// handshake); a proxy that fails is marked down and the waiting requests go to another. Once TLS is done too,
/// the setup is reported: the debug line and the metrics.
extension UpstreamConnection {
    var proxy: UpstreamProxy? {
        if case .proxy(let index) = route { return worker.proxies.proxies[index] }
        return nil
    }

    /// "socks5 proxy host:port", or "upstream" for a direct route.
    var proxyLabel: String { proxy?.label ?? "upstream" }


    func startDial() {
        // Captured strongly: while dialing, the dialer may be all that holds this connection. The cycle ends
        // when the dialer finishes or is cancelled, both of which drop the completion.
        let dialer = Dialer(worker: worker, host: origin.host, port: origin.port, proxy: proxy) { outcome in
            self.dialFinished(outcome)
        }
        self.dialer = dialer
        dialer.start()
    }

    private func dialFinished(_ outcome: Dialer.Outcome) {
        if let dialer { setupTimings = dialer.timings }
        dialer = nil  // close() cancels a dial it interrupts, so the connection is still dialing here
        switch outcome {
        case .connected(let fd, let leftover):
            if case .proxy(let index) = route {
                worker.proxies.markUp(index)
                Log.debug("upstream \(origin.authority) connected through \(proxyLabel)")
            }
            self.fd = fd
            do {
                try worker.loop.register(self, fd: fd)
            } catch {
                fail(ProxyError(502, "upstream connection to \(origin.authority): \(error)"))
                return
            }
            if !leftover.isEmpty {
                // Neither a TLS server nor an HTTP server speaks before we do: these bytes are the proxy's.
                fail(ProxyError(502, "\(proxyLabel) sent \(leftover.count) unexpected bytes after its handshake"))
                return
            }
            connected()
        case .failed(let error, let proxyFault):
            if proxyFault, case .proxy(let index) = route {
                worker.proxies.markDown(index, reason: error.message)
                if worker.proxies.anyUp {
                    Log.info("\(error.message); trying another upstream proxy")
                    close()  // the waiting requests go to the pool again, which picks a proxy that is up
                    return
                }
            }
            fail(error)
        }
    }

    /// The connection is set up and about to speak `wire`: where the setup spent its time, and the metrics of a
    /// new connection.
    func reportSetup(_ wire: WireProtocol) {
        Log.debug("upstream \(origin.authority) set up via \(proxy?.description ?? "direct") in ms: \(setupTimings.text)"
                  + (tls.map { $0.resumedSession ? " tls-resumed=yes" : " tls-resumed=no" } ?? ""))
        worker.metrics.upstreamOpened(WireLabel(wire), timings: setupTimings, tlsResumed: tls?.resumedSession)
    }
}

import Glibc

/// Where an HTTP/1.1 response stands on its connection.
enum HTTP1Phase {
    /// No exchange: bytes from the upstream now are a protocol error.
    case idle
    case head
    case fixedBody(remaining: UInt64)
    case chunkedBody
    case bodyUntilClose
}

/// HTTP/1.1 over an upstream connection: one exchange at a time. The client queues the request
/// head and body in `output`; the response is parsed here and handed to the client as it arrives.
extension UpstreamConnection {
    func startHTTP1(_ client: UpstreamUser) {
        guard let request = client.pendingRequest(worker.profile) else { return }
        self.client = client
        requestMethod = request.forward.method
        requestComplete = false
        phase = .head
        headScanned = 0
        receivedResponseBytes = false
        readPaused = false
        worker.loop.setTimeout(self, milliseconds: worker.configuration.upstreamTimeoutMs)
        UpstreamRequestHead.write(request.head, method: request.forward.method, target: request.forward.target,
                                  origin: origin, plan: request.plan, into: &output)
        client.upstreamStarted(http2Stream: 0, on: self)
        guard self.client?.isSame(as: client) == true else { return }
        flush()
    }

    /// The client drained its output: reading may go on, once the caller's stack has unwound.
    func resumeReading() {
        guard readPaused else { return }
        readPaused = false
        if state == .open && client != nil {
            worker.loop.setTimeout(self, milliseconds: worker.configuration.upstreamTimeoutMs)
        }
        worker.loop.runSoon(self)
    }

    func http1DidFlush(progress: Bool) {
        guard let client else { return }
        if progress {
            // A long upload is progress too: the upstream timeout counts silence, not duration.
            worker.loop.setTimeout(self, milliseconds: worker.configuration.upstreamTimeoutMs)
        }
        if output.readableCount < ClientConnection.lowWater {
            client.upstreamCanTakeBody()
        }
    }

    /// Relays what `input` holds and lets the client write it in one go.
    func relayHTTP1Input() {
        let receiver = client
        if receiver != nil {
            worker.loop.setTimeout(self, milliseconds: worker.configuration.upstreamTimeoutMs)
        }
        processHTTP1Input()
        receiver?.upstreamBatchDone()
    }

    /// Parses and relays what `input` holds, until it needs more bytes or the client is full.
    private func processHTTP1Input() {
        while !input.isEmpty && !readPaused, let client {
            switch phase {
            case .idle:
                close()  // bytes nobody asked for
                return
            case .head:
                receivedResponseBytes = true
                let result = worker.responseParser.parse(input.readable, requestMethod: requestMethod,
                                                         searchFrom: headScanned)
                switch result {
                case .incomplete(let scanned):
                    headScanned = scanned
                    return
                case .invalid(let reason):
                    fail(ProxyError(502, "upstream protocol error from \(origin.authority): \(reason)"))
                    return
                case .complete(let head, let length):
                    input.consume(length)
                    headScanned = 0
                    if head.status >= 100 && head.status < 200 {
                        // Interim answers (100 Continue, 103 Early Hints) are not relayed.
                        guard head.status != 101 else {
                            fail(ProxyError(502, "upstream protocol error from \(origin.authority): unexpected 101 Switching Protocols"))
                            return
                        }
                        continue
                    }
                    responseKeepAlive = head.keepAlive
                    switch head.framing {
                    case .none: phase = .fixedBody(remaining: 0)
                    case .contentLength(let n): phase = .fixedBody(remaining: n)
                    case .chunked:
                        phase = .chunkedBody
                        chunked = ChunkedDecoder()
                    case .untilClose: phase = .bodyUntilClose
                    }
                    client.upstreamDidReceiveHead(head)
                    guard stillServing(client) else { return }
                    if case .fixedBody(0) = phase {
                        finishExchange()
                        return
                    }
                }
            case .fixedBody(let remaining):
                let available = input.readable
                let count = Int(min(UInt64(available.count), remaining))
                let more = client.upstreamBody(UnsafeRawBufferPointer(rebasing: available[0..<count]))
                guard stillServing(client) else { return }
                input.consume(count)
                phase = .fixedBody(remaining: remaining - UInt64(count))
                if remaining == UInt64(count) {
                    finishExchange()
                    return
                }
                if !more { readPaused = true }
            case .chunkedBody:
                let available = input.readable
                let step = chunked.next(available)
                switch step.event {
                case .needMore:
                    input.consume(step.consumed)
                    return
                case .data(let range):
                    let more = client.upstreamBody(UnsafeRawBufferPointer(rebasing: available[range]))
                    guard stillServing(client) else { return }
                    input.consume(step.consumed)
                    if !more { readPaused = true }
                case .end:
                    input.consume(step.consumed)
                    finishExchange()
                    return
                case .invalid(let reason):
                    fail(ProxyError(502, "upstream protocol error from \(origin.authority): bad chunked body: \(reason)"))
                    return
                }
            case .bodyUntilClose:
                let more = client.upstreamBody(input.readable)
                guard stillServing(client) else { return }
                input.consume(input.readableCount)
                if !more { readPaused = true }
            }
        }
        if readPaused {
            // The client's slowness is not the upstream's: no upstream timeout while paused.
            worker.loop.setDeadline(self, .max)
        }
    }

    /// A client callback may end the exchange (its socket failed): then stop touching `input`.
    private func stillServing(_ client: UpstreamUser) -> Bool {
        state == .open && self.client?.isSame(as: client) == true
    }

    func http1EndOfStream() {
        if case .bodyUntilClose = phase, client != nil {
            responseKeepAlive = false
            finishExchange()
            return
        }
        if case .head = phase, !receivedResponseBytes {
            fail(ProxyError(502, "upstream \(origin.authority) closed the connection before responding"),
                 retryable: reused && input.isEmpty)
        } else {
            fail(ProxyError(502, "upstream \(origin.authority) closed the connection mid-response"))
        }
    }

    private func finishExchange() {
        guard let client else { return }
        self.client = nil
        phase = .idle
        reused = true
        let reusable = responseKeepAlive && requestComplete && input.isEmpty && output.isEmpty
        if reusable {
            worker.loop.setTimeout(self, milliseconds: worker.configuration.upstreamIdleCloseMs)
            worker.pool.checkIn(self)
        } else {
            close()
        }
        client.upstreamDidFinish()
    }
}

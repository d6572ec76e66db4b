/// The login flows' transport in proxyd: each step is a `FlowExchange` on the worker's upstream pool,
/// so it leaves through the same dialer, upstream proxy, TLS profile and connections as every proxied
/// request. One per login, and one route per login: every step leaves by the same proxy, as one
/// browser would, so cookies bound to an egress address stay valid. `cancel` gives up the step in flight.
final class UpstreamFlowTransport: FlowTransport {
    private unowned let worker: Worker
    private let route: DialRoute
    private var inFlight: FlowExchange?

    /// `stickyKey` picks the proxy under the sticky policy (the login's user keeps one egress address).
    init(worker: Worker, stickyKey: String) {
        self.worker = worker
        route = worker.proxies.route(stickyKey: stickyKey)
    }

    func send(_ request: FlowRequest, completion: @escaping (Result<FlowResponse, ProxyError>) -> Void) {
        let exchange = FlowExchange(request, route: route, worker: worker) { [weak self] result in
            self?.inFlight = nil
            completion(result)
        }
        inFlight = exchange
        exchange.start()
    }

    func cancel() {
        inFlight?.cancel()
        inFlight = nil
    }
}

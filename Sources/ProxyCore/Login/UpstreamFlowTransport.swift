/// The login flows' transport in proxyd: each step is a `FlowExchange` on the worker's upstream pool,
/// so it leaves through the same dialer, upstream proxy, TLS profile and connections as every proxied
/// request. One per login, and one route per login: every step leaves by the same proxy, as one
/// browser would, so cookies bound to an egress address stay valid. `cancel` gives up the step in flight.
final class UpstreamFlowTransport: FlowTransport {
    private unowned let worker: Worker
    private let stickyKey: String
    private var route: DialRoute
    private var inFlight: FlowExchange?

    /// `stickyKey` picks the proxy under the sticky policy (the login's user keeps one egress address).
    init(worker: Worker, stickyKey: String) {
        self.worker = worker
        self.stickyKey = stickyKey
        route = worker.proxies.route(stickyKey: stickyKey)
    }

    /// The login's route, moved to another proxy once its own is down while others are up: a failed dial
    /// hands its waiting step back, and the step must not dial the same dead proxy again.
    func currentRoute() -> DialRoute {
        if case .proxy(let index) = route, worker.proxies.isDown(index), worker.proxies.anyUp {
            route = worker.proxies.route(stickyKey: stickyKey)
        }
        return route
    }

    func send(_ request: FlowRequest, completion: @escaping (Result<FlowResponse, ProxyError>) -> Void) {
        let exchange = FlowExchange(request, transport: self, worker: worker) { [weak self] result in
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

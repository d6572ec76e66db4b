/// A login as the inbound side drives it: `start` once, then exactly one completion with the answer
/// for the client: the upstream's final response unchanged, or proxyd's own error.
/// The wiring arms the `PROXYD_LOGIN_TIMEOUT` timer and calls `cancel` when it fires (or when the
/// client leaves); a cancelled login completes at once with 504 and ignores answers still in flight.
package protocol LoginFlow: AnyObject {
    func start(_ completion: @escaping (Result<FlowResponse, ProxyError>) -> Void)
    func cancel()
}

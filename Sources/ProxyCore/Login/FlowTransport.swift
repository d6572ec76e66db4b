/// Sends the requests of login flows upstream: in proxyd, through the worker's upstream pool, dialer,
/// TLS profile and upstream proxy, on the worker's event loop. Tests script it.
///
/// Contract: `completion` is called exactly once, on the loop that called `send` (possibly before
/// `send` returns). The transport adds Host, Content-Length and the profile's header plan for
/// `request.kind`; it never follows redirects; it fails with `FlowResponse.bodyTooLarge` once a body
/// passes `FlowResponse.maxBodyBytes`; its errors are proxyd's usual ones (502 unreachable or broken,
/// 504 timeout) with messages that name the stage and never carry request fields or bodies.
package protocol FlowTransport: AnyObject {
    func send(_ request: FlowRequest, completion: @escaping (Result<FlowResponse, ProxyError>) -> Void)
}

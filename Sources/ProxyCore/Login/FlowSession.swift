/// The browser side of one login: its own cookie jar, the page it is on (for Referer and Origin),
/// and redirects followed by hand. Loop-confined, like the flow that owns it.
final class FlowSession {
    static let maxRedirects = 10

    /// One request's outcome: the last response, the URL that gave it, and its resolved `Location`
    /// when it is a redirect that was not followed.
    struct Exchange {
        var response: FlowResponse
        var url: FlowURL
        var location: FlowURL?
    }

    enum Redirects {
        case manual
        /// Follows up to `maxRedirects`, except to a URL for which `stopBefore` is true.
        case follow(stopBefore: (FlowURL) -> Bool)

        static let follow = Redirects.follow { _ in false }
    }

    let jar: CookieJar
    private let transport: FlowTransport
    /// The last page a navigation ended on.
    private(set) var page: FlowURL?
    /// Set when the login ends early: answers still in flight are dropped.
    var isCancelled = false

    init(transport: FlowTransport, jar: CookieJar) {
        self.transport = transport
        self.jar = jar
    }

    func send(_ request: FlowRequest, redirects: Redirects = .manual,
              completion: @escaping (Result<Exchange, ProxyError>) -> Void) {
        var request = request
        if request.kind == .navigation, let page {
            // Browsers' default policy (strict-origin-when-cross-origin): other sites see only the origin.
            request.set("referer", page.isSameOrigin(request.url) ? page.text : page.origin.rootPage)
            if request.method == "POST" { request.set("origin", page.origin.webOrigin) }
        }
        hop(request, redirects: redirects, hops: 0, completion: completion)
    }

    private func hop(_ request: FlowRequest, redirects: Redirects, hops: Int,
                     completion: @escaping (Result<Exchange, ProxyError>) -> Void) {
        var outgoing = request
        outgoing.set("cookie", jar.cookieHeader(for: request.url))
        transport.send(outgoing) { [self] result in
            guard !isCancelled else { return }
            let response: FlowResponse
            switch result {
            case .failure(let error):
                return completion(.failure(error))
            case .success(let answer):
                response = answer
            }
            guard response.body.count <= FlowResponse.maxBodyBytes else {
                return completion(.failure(FlowResponse.bodyTooLarge(request.url)))
            }
            jar.store(response, from: request.url)
            let location = response.isRedirect ? response.value(of: "location").flatMap(request.url.resolving) : nil
            if case .follow(let stopBefore) = redirects, let location, !stopBefore(location) {
                guard hops < Self.maxRedirects else {
                    return completion(.failure(ProxyError(502, "more than \(Self.maxRedirects) redirects, the last from "
                        + request.url.origin.authority)))
                }
                // The requests carry a user's credentials and session: never onto plain HTTP after HTTPS, and a
                // body (the login forms) is never sent again to another origin.
                let downgrade = request.url.secure && !location.secure
                let resendsBody = (response.status == 307 || response.status == 308) && !request.body.isEmpty
                    && !request.url.isSameOrigin(location)
                guard !downgrade && !resendsBody else {
                    return completion(.failure(ProxyError(502, "refused a redirect from \(request.url.origin.authority) to "
                        + "\(location.secure ? "https" : "http")://\(location.origin.authority)")))
                }
                return hop(Self.redirected(request, to: location, status: response.status), redirects: redirects,
                           hops: hops + 1, completion: completion)
            }
            if request.kind == .navigation { page = request.url }
            completion(.success(Exchange(response: response, url: request.url, location: location)))
        }
    }

    /// 307 and 308 repeat the request; the others turn it into a bodiless GET (RFC 9110 15.4, as browsers do).
    private static func redirected(_ request: FlowRequest, to location: FlowURL, status: Int) -> FlowRequest {
        var next = request
        next.url = location
        if status != 307 && status != 308 {
            next.method = "GET"
            next.body = []
            next.set("content-type", nil)
            next.set("origin", nil)
        }
        return next
    }
}

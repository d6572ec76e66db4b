/// What the inbound side does with a request, decided from its method and target alone.
public enum Route: Equatable, Sendable {
    /// proxyd's own liveness endpoint.
    case health
    case login(LoginKind)
    case forward(Forward)
    case reject(ProxyError)
}

public enum LoginKind: Equatable, Sendable {
    case chatgpt, platform
}

/// An upstream request: the client's body and semantic headers go with it unchanged.
public struct Forward: Equatable, Sendable {
    public var origin: UpstreamOrigin
    public var method: String
    /// `origin.basePath` + upstream path + the client's `?query`.
    public var target: String

    public init(origin: UpstreamOrigin, method: String, target: String) {
        self.origin = origin
        self.method = method
        self.target = target
    }
}

/// The contract's route tables (API.md, "ChatGPT web" and "OpenAI platform"). Inbound paths are matched
/// as received (no decoding), so what is routed is exactly what is forwarded.
public struct Router: Sendable {
    public let chatgpt: UpstreamOrigin
    public let platform: UpstreamOrigin

    public init(chatgpt: UpstreamOrigin, platform: UpstreamOrigin) {
        self.chatgpt = chatgpt
        self.platform = platform
    }

    public func route(method: String, target: String) -> Route {
        let queryMark = target.firstIndex(of: "?")
        let path = target[..<(queryMark ?? target.endIndex)]
        // Kept with its "?" so that even an empty query reaches the upstream byte for byte.
        let query = target[(queryMark ?? target.endIndex)...]
        if let error = PathSafety.check(path) { return .reject(error) }
        let request = Request(method: method, path: path, query: query)

        switch path {
        case "/healthz":
            return request.only("GET", .health)
        case "/chatgpt/login":
            return request.only("POST", .login(.chatgpt))
        case "/platform/login":
            return request.only("POST", .login(.platform))
        case "/chatgpt/conversations":
            if method == "GET" { return listConversations(query) }
            return request.patch(toChatGPT(request))
        case "/chatgpt/conversation":
            return request.only("POST", toChatGPT(request))
        case "/chatgpt/conversation/message_feedback" where method == "POST":
            return toChatGPT(request)
        case "/chatgpt/models", "/chatgpt/accounts/check":
            return request.only("GET", toChatGPT(request))
        default:
            break
        }
        if request.rest(after: "/chatgpt/backend-api/") != nil {
            return toChatGPT(request)
        }
        if request.rest(after: "/platform/v1/") != nil {
            return toPlatform(request)
        }
        if request.rest(after: "/platform/dashboard/") != nil {
            return request.only("GET", toPlatform(request))
        }
        if request.segment(after: "/chatgpt/conversation/gen_title/") {
            return request.only("POST", toChatGPT(request))
        }
        if request.segment(after: "/chatgpt/conversation/") {
            return method == "GET" ? toChatGPT(request) : request.patch(toChatGPT(request))
        }
        return .reject(ProxyError(404, "no route for \(method) \(path)"))
    }

    /// `/chatgpt/X` goes to `/backend-api/X`, and `/chatgpt/backend-api/X` to `/backend-api/X`.
    private func toChatGPT(_ request: Request) -> Route {
        var rest = request.path.dropFirst("/chatgpt".utf8.count)
        if rest.hasPrefix("/backend-api/") { rest = rest.dropFirst("/backend-api".utf8.count) }
        return forward(chatgpt, request.method, "/backend-api" + rest, request.query)
    }

    /// `/platform/X` goes to `/X`.
    private func toPlatform(_ request: Request) -> Route {
        forward(platform, request.method, request.path.dropFirst("/platform".utf8.count), request.query)
    }

    private func forward(_ origin: UpstreamOrigin, _ method: String, _ path: some StringProtocol,
                         _ query: Substring) -> Route {
        .forward(Forward(origin: origin, method: method, target: origin.basePath + path + query))
    }

    /// `GET /chatgpt/conversations?offset=&limit=`: defaults 0 and 20, limit at most 100; other
    /// parameters follow unchanged. The first of repeated offset or limit parameters wins.
    private func listConversations(_ query: Substring) -> Route {
        var offset: UInt64?
        var limit: UInt64?
        var others = ""
        for parameter in query.dropFirst().split(separator: "&") {
            let equals = parameter.firstIndex(of: "=")
            let key = parameter[..<(equals ?? parameter.endIndex)]
            let value = equals.map { parameter[parameter.index(after: $0)...] } ?? ""
            guard key == "offset" || key == "limit" else {
                others += "&" + parameter
                continue
            }
            let number: UInt64?
            if value.isEmpty {
                number = key == "offset" ? 0 : 20
            } else {
                number = HTTPSyntax.parseDecimal(value)
            }
            guard let number else {
                return .reject(ProxyError(400, "invalid \(key): must be a non-negative integer"))
            }
            if key == "offset" { offset = offset ?? number } else { limit = limit ?? number }
        }
        let query = "?offset=\(offset ?? 0)&limit=\(min(limit ?? 20, 100))" + others
        return forward(chatgpt, "GET", "/backend-api/conversations", Substring(query))
    }
}

/// The method and split target of one request being routed.
private struct Request {
    var method: String
    var path: Substring
    var query: Substring

    func only(_ allowed: String, _ route: Route) -> Route {
        method == allowed ? route : notAllowed
    }

    /// The contract's PATCH routes also answer POST, for clients that cannot send PATCH; upstream gets PATCH.
    func patch(_ route: Route) -> Route {
        guard method == "PATCH" || method == "POST" else { return notAllowed }
        guard case .forward(var forward) = route else { return route }
        forward.method = "PATCH"
        return .forward(forward)
    }

    var notAllowed: Route {
        .reject(ProxyError(405, "method \(method) not allowed for \(path)"))
    }

    /// The non-empty remainder of the path after `prefix`.
    func rest(after prefix: String) -> Substring? {
        guard path.hasPrefix(prefix), path.utf8.count > prefix.utf8.count else { return nil }
        return path.dropFirst(prefix.utf8.count)
    }

    /// Whether the path is `prefix` followed by exactly one non-empty segment, such as an `{id}`.
    func segment(after prefix: String) -> Bool {
        guard let rest = rest(after: prefix) else { return false }
        return !rest.contains("/")
    }
}

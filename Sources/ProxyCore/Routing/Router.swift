/// What the inbound side does with a request, decided from its method and target alone.
package enum Route: Equatable, Sendable {
    /// proxyd's own liveness endpoint.
    case health
    case login(LoginKind)
    case forward(Forward)
    /// A ChatGPT conversation turn: forwarded after the sentinel handshake (`PROXYD_CHATGPT_SENTINEL`),
    /// or as it is when the handshake is off or the client brings its own tokens.
    case conversation(Forward)
    /// The OpenAI-compatible front on ChatGPT web (`/imitate/v1`): the forward is the site's call it makes.
    case imitate(ImitateCall, Forward)
    case reject(ProxyError)
}

/// The calls of `/imitate/v1`.
package enum ImitateCall: Equatable, Sendable {
    /// `POST /imitate/v1/chat/completions`: a conversation turn, its answer converted.
    case completions
    /// `GET /imitate/v1/models`: the account's models as an OpenAI list.
    case models
}

package enum LoginKind: Equatable, Sendable {
    case chatgpt, platform
}

/// An upstream request: the client's body and semantic headers go with it unchanged.
package struct Forward: Equatable, Sendable {
    package var origin: UpstreamOrigin
    package var method: String
    /// `origin.basePath` + upstream path + the client's `?query`.
    package var target: String
    /// The site's page that the request's script runs on, for its Referer (a ChatGPT turn continuing
    /// a conversation is sent from `/c/<id>`); nil: the site's root page.
    package var page: String?

    package init(origin: UpstreamOrigin, method: String, target: String, page: String? = nil) {
        self.origin = origin
        self.method = method
        self.target = target
        self.page = page
    }
}

/// The contract's route tables (API.md, "ChatGPT web" and "OpenAI platform"). Inbound paths are matched
/// as received (no decoding), so what is routed is exactly what is forwarded.
package struct Router: Sendable {
    package let chatgpt: UpstreamOrigin
    package let platform: UpstreamOrigin

    package init(chatgpt: UpstreamOrigin, platform: UpstreamOrigin) {
        self.chatgpt = chatgpt
        self.platform = platform
    }

    package func route(method: String, target: String) -> Route {
        var target = target
        return target.withUTF8 { route(method: method, target: UnsafeRawBufferPointer($0)) }
    }

    /// Works on the target's bytes: matching and slicing them costs no Character processing and no copies.
    private func route(method: String, target: UnsafeRawBufferPointer) -> Route {
        let pathEnd = target.firstIndex(of: UInt8(ascii: "?")) ?? target.count
        let request = Request(method: method, target: target, pathEnd: pathEnd)
        if let error = PathSafety.check(request.path) { return .reject(error) }

        if request.pathIs("/healthz") { return request.only("GET", .health) }
        if request.pathIs("/chatgpt/login") { return request.only("POST", .login(.chatgpt)) }
        if request.pathIs("/platform/login") { return request.only("POST", .login(.platform)) }
        if request.pathIs("/chatgpt/conversations") {
            if method == "GET" { return listConversations(request.query) }
            return request.patch(toChatGPT(request))
        }
        if request.pathIs("/chatgpt/conversation") { return request.only("POST", conversation(toChatGPT(request))) }
        if method == "POST",
           request.pathIs("/chatgpt/backend-api/conversation") || request.pathIs("/chatgpt/backend-api/f/conversation") {
            return conversation(toChatGPT(request))
        }
        if request.pathIs("/chatgpt/conversation/message_feedback"), method == "POST" { return toChatGPT(request) }
        if request.pathIs("/chatgpt/models") || request.pathIs("/chatgpt/accounts/check") {
            return request.only("GET", toChatGPT(request))
        }
        if request.hasRest(after: "/chatgpt/backend-api/") {
            return toChatGPT(request)
        }
        if request.pathStarts(with: "/imitate/") { return imitate(request) }
        if request.hasRest(after: "/platform/v1/") {
            return toPlatform(request)
        }
        if request.hasRest(after: "/platform/dashboard/") {
            return request.only("GET", toPlatform(request))
        }
        if request.segment(after: "/chatgpt/conversation/gen_title/") {
            return request.only("POST", toChatGPT(request))
        }
        if request.segment(after: "/chatgpt/conversation/") {
            return method == "GET" ? toChatGPT(request) : request.patch(toChatGPT(request))
        }
        return .reject(ProxyError(404, "no route for \(method) \(request.pathText)"))
    }

    /// `/chatgpt/X` goes to `/backend-api/X`, and `/chatgpt/backend-api/X` to `/backend-api/X`.
    private func toChatGPT(_ request: Request) -> Route {
        let afterPrefix = "/chatgpt".utf8.count
        if request.pathStarts(with: "/chatgpt/backend-api/") {
            return forward(chatgpt, request.method, "", request.target[afterPrefix...])
        }
        return forward(chatgpt, request.method, "/backend-api", request.target[afterPrefix...])
    }

    private func conversation(_ route: Route) -> Route {
        guard case .forward(let forward) = route else { return route }
        return .conversation(forward)
    }

    /// `/imitate/v1/…`: the site's conversation path for a completion (the handshake's plan sets the
    /// generation's own), its models path for the list.
    private func imitate(_ request: Request) -> Route {
        if request.pathIs("/imitate/v1/chat/completions") {
            let call = Forward(origin: chatgpt, method: "POST", target: chatgpt.basePath + ChatGPTSite.conversationPath)
            return request.only("POST", .imitate(.completions, call))
        }
        if request.pathIs("/imitate/v1/models") {
            let call = Forward(origin: chatgpt, method: "GET", target: chatgpt.basePath + ChatGPTSite.modelsPath)
            return request.only("GET", .imitate(.models, call))
        }
        return .reject(ProxyError(404, "no route for \(request.method) \(request.pathText): /imitate/v1 has "
                                  + "chat/completions and models"))
    }

    /// `/platform/X` goes to `/X`.
    private func toPlatform(_ request: Request) -> Route {
        forward(platform, request.method, "", request.target["/platform".utf8.count...])
    }

    /// The upstream target is `origin.basePath + insert + tail`, built in one allocation.
    private func forward(_ origin: UpstreamOrigin, _ method: String, _ insert: StaticString,
                         _ tail: Slice<UnsafeRawBufferPointer>) -> Route {
        let insertBytes = UnsafeRawBufferPointer(start: insert.utf8Start, count: insert.utf8CodeUnitCount)
        var basePath = origin.basePath
        let target = basePath.withUTF8 { base in
            let count = base.count + insertBytes.count + tail.count
            return String(unsafeUninitializedCapacity: count) { out in
                var written = 0
                func put(_ part: UnsafeRawBufferPointer) {
                    UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(out)[written...])
                        .copyMemory(from: part)
                    written += part.count
                }
                put(UnsafeRawBufferPointer(base))
                put(insertBytes)
                put(UnsafeRawBufferPointer(rebasing: tail))
                return written
            }
        }
        return .forward(Forward(origin: origin, method: method, target: target))
    }

    /// `GET /chatgpt/conversations?offset=&limit=`: defaults 0 and 20, limit at most 100; other
    /// parameters follow unchanged. The first of repeated offset or limit parameters wins.
    private func listConversations(_ query: Slice<UnsafeRawBufferPointer>) -> Route {
        var offset: UInt64?
        var limit: UInt64?
        var others = ""
        for parameter in query.dropFirst().split(separator: UInt8(ascii: "&")) {
            let equals = parameter.firstIndex(of: UInt8(ascii: "="))
            let key = parameter[..<(equals ?? parameter.endIndex)]
            let value = parameter[(equals.map { $0 + 1 } ?? parameter.endIndex)...]
            let isOffset = key.elementsEqual("offset".utf8)
            guard isOffset || key.elementsEqual("limit".utf8) else {
                others += "&" + String(decoding: parameter, as: UTF8.self)
                continue
            }
            let number = value.isEmpty ? (isOffset ? 0 : 20) : HTTPSyntax.parseDecimal(value)
            guard let number else {
                return .reject(ProxyError(400, "invalid \(isOffset ? "offset" : "limit"): must be a non-negative integer"))
            }
            if isOffset { offset = offset ?? number } else { limit = limit ?? number }
        }
        var upstreamQuery = "?offset=\(offset ?? 0)&limit=\(min(limit ?? 20, 100))" + others
        return upstreamQuery.withUTF8 {
            let bytes = UnsafeRawBufferPointer($0)
            return forward(chatgpt, "GET", "/backend-api/conversations", bytes[...])
        }
    }
}

/// The method and the target's bytes of one request being routed; `pathEnd` is where the query starts.
private struct Request {
    var method: String
    var target: UnsafeRawBufferPointer
    var pathEnd: Int

    var path: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: target[..<pathEnd]) }
    /// Kept with its "?" so that even an empty query reaches the upstream byte for byte.
    var query: Slice<UnsafeRawBufferPointer> { target[pathEnd...] }
    var pathText: String { String(decoding: path, as: UTF8.self) }

    func pathIs(_ literal: StaticString) -> Bool {
        HTTPSyntax.matches(target, 0..<pathEnd, literal)
    }

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
        .reject(ProxyError(405, "method \(method) not allowed for \(pathText)"))
    }

    func pathStarts(with prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        return pathEnd >= count && HTTPSyntax.matches(target, 0..<count, prefix)
    }

    /// Whether the path is `prefix` followed by something.
    func hasRest(after prefix: StaticString) -> Bool {
        pathEnd > prefix.utf8CodeUnitCount && pathStarts(with: prefix)
    }

    /// Whether the path is `prefix` followed by exactly one non-empty segment, such as an `{id}`.
    func segment(after prefix: StaticString) -> Bool {
        hasRest(after: prefix) && !target[prefix.utf8CodeUnitCount..<pathEnd].contains(UInt8(ascii: "/"))
    }
}

/// The label values the metrics split by: closed sets, each a fixed row of cells, so a request can never add a
/// series (no URL, token or key ever becomes a label).

/// Which part of the API a request was for: the first segment of its path, as the router matched it.
enum RouteGroup: Int, CaseIterable {
    case chatgpt, platform, imitate, login, health
    /// No route matched (404, 405, a refused path), or no request head to route (400, 408).
    case other

    /// `target` is the client's: a forwarded route goes to ChatGPT or the platform by the prefix it came in
    /// under, which stays right when both upstream URLs are the same server.
    init(_ route: Route, target: String) {
        switch route {
        case .health: self = .health
        case .login: self = .login
        case .conversation: self = .chatgpt
        case .imitate: self = .imitate
        case .forward: self = target.utf8.starts(with: "/platform/".utf8) ? .platform : .chatgpt
        case .reject: self = .other
        }
    }

    /// The group as keys allow it; none for `.other` (a 404 needs a key, any key), and `.health` needs none.
    var keyRoutes: KeyRecord.Routes {
        switch self {
        case .chatgpt: return .chatgpt
        case .platform: return .platform
        case .imitate: return .imitate
        case .login: return .login
        case .health, .other: return []
        }
    }

    var label: String {
        switch self {
        case .chatgpt: return "chatgpt"
        case .platform: return "platform"
        case .imitate: return "imitate"
        case .login: return "login"
        case .health: return "health"
        case .other: return "other"
        }
    }
}

/// The class of the status a request was answered with.
enum StatusClass: Int, CaseIterable {
    case informational, success, redirection, clientError, serverError
    /// The request ended before any response head went out (the client left, or the response was cut).
    case none

    /// Kept, since `allCases` makes an array each time it is asked.
    static let count = allCases.count

    init(status: Int) {
        switch status {
        case 100..<200: self = .informational
        case 200..<300: self = .success
        case 300..<400: self = .redirection
        case 400..<500: self = .clientError
        case 500..<600: self = .serverError
        default: self = .none
        }
    }

    var label: String {
        switch self {
        case .informational: return "1xx"
        case .success: return "2xx"
        case .redirection: return "3xx"
        case .clientError: return "4xx"
        case .serverError: return "5xx"
        case .none: return "none"
        }
    }
}

/// The protocol an upstream connection speaks, as ALPN chose it.
enum WireLabel: Int, CaseIterable {
    case http1, http2

    /// A connection is counted once ALPN has chosen, so `unknown` does not occur.
    init(_ wire: UpstreamConnection.WireProtocol) {
        self = wire == .http2 ? .http2 : .http1
    }

    var label: String { self == .http1 ? "h1" : "h2" }
}

/// How one network step of the ChatGPT handshake ended.
enum StepResult: Int, CaseIterable {
    /// A 2xx answer.
    case ok
    /// The site answered with another status.
    case refused
    /// No answer: the network or the connection failed.
    case failed

    static let count = allCases.count

    var label: String {
        switch self {
        case .ok: return "ok"
        case .refused: return "refused"
        case .failed: return "failed"
        }
    }
}

/// What became of a proof of work the site asked for.
enum ProofResult: Int, CaseIterable {
    /// Solved.
    case found
    /// Searched to the end without an answer.
    case exhausted
    /// Harder than PROXYD_POW_MAX_DIFFICULTY: not searched.
    case tooHard
    /// PROXYD_POW_MAX_SOLVES searches were already running: not searched.
    case busy

    var label: String {
        switch self {
        case .found: return "found"
        case .exhausted: return "exhausted"
        case .tooHard: return "too_hard"
        case .busy: return "busy"
        }
    }
}

extension SetupTimings.Stage {
    var label: String {
        switch self {
        case .dns: return "dns"
        case .tcp: return "tcp"
        case .proxy: return "proxy"
        case .tls: return "tls"
        }
    }
}

extension TurnStep {
    /// The steps that are requests to the site, in their metrics' order; the proof of work has metrics of its own.
    static let requestSteps: [TurnStep] = [.bootstrap, .conduit, .prepare, .requirements, .finalize]

    /// The row of a request step in the handshake metrics.
    var metricsIndex: Int? { Self.requestSteps.firstIndex(of: self) }

    var label: String {
        switch self {
        case .bootstrap: return "bootstrap"
        case .conduit: return "conduit_prepare"
        case .prepare: return "sentinel_prepare"
        case .requirements: return "sentinel_requirements"
        case .proofOfWork: return "proof_of_work"
        case .finalize: return "sentinel_finalize"
        }
    }
}

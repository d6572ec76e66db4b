/// Every configurable setting, named by its environment variable.
package enum SettingKey: String, CaseIterable, Sendable {
    case listen = "PROXYD_LISTEN"
    case adminListen = "PROXYD_ADMIN_LISTEN"
    case upstreamProxy = "PROXYD_UPSTREAM_PROXY"
    case proxyPolicy = "PROXYD_PROXY_POLICY"
    case chatgptURL = "PROXYD_CHATGPT_URL"
    case platformURL = "PROXYD_PLATFORM_URL"
    case authURL = "PROXYD_AUTH_URL"
    case platformWebURL = "PROXYD_PLATFORM_WEB_URL"
    case tlsProfile = "PROXYD_TLS_PROFILE"
    case caFile = "PROXYD_CA_FILE"
    case resolve = "PROXYD_RESOLVE"
    case dnsServers = "PROXYD_DNS_SERVERS"
    case dnsTimeout = "PROXYD_DNS_TIMEOUT"
    case dnsMinTTL = "PROXYD_DNS_MIN_TTL"
    case dnsMaxTTL = "PROXYD_DNS_MAX_TTL"
    case dnsNegativeTTL = "PROXYD_DNS_NEGATIVE_TTL"
    case workers = "PROXYD_WORKERS"
    case maxBodyBytes = "PROXYD_MAX_BODY_BYTES"
    case headerTimeout = "PROXYD_HEADER_TIMEOUT"
    case idleTimeout = "PROXYD_IDLE_TIMEOUT"
    case connectTimeout = "PROXYD_CONNECT_TIMEOUT"
    case proxyTimeout = "PROXYD_PROXY_TIMEOUT"
    case tlsTimeout = "PROXYD_TLS_TIMEOUT"
    case upstreamTimeout = "PROXYD_UPSTREAM_TIMEOUT"
    case upstreamPingAfter = "PROXYD_UPSTREAM_PING_AFTER"
    case upstreamIdleClose = "PROXYD_UPSTREAM_IDLE_CLOSE"
    case logLevel = "PROXYD_LOG_LEVEL"
    case logFormat = "PROXYD_LOG_FORMAT"
    case loginTimeout = "PROXYD_LOGIN_TIMEOUT"
    case maxLoginsPerWorker = "PROXYD_MAX_LOGINS_PER_WORKER"
    case maxConnections = "PROXYD_MAX_CONNECTIONS"
    case maxStreams = "PROXYD_MAX_STREAMS"
    case drainTimeout = "PROXYD_DRAIN_TIMEOUT"
    case accessLog = "PROXYD_ACCESS_LOG"
    case chatgptSentinel = "PROXYD_CHATGPT_SENTINEL"
    case powMaxDifficulty = "PROXYD_POW_MAX_DIFFICULTY"
    case powMaxSolves = "PROXYD_POW_MAX_SOLVES"
    case chatgptBuildNumber = "PROXYD_CHATGPT_BUILD_NUMBER"
    case chatgptMaxAccounts = "PROXYD_CHATGPT_MAX_ACCOUNTS"
    case chatgptAccountIdle = "PROXYD_CHATGPT_ACCOUNT_IDLE"
    case imitateContinue = "PROXYD_IMITATE_CONTINUE"
    case imitateHistory = "PROXYD_IMITATE_HISTORY"
    case tokenizer = "PROXYD_TOKENIZER"
    case keysFile = "PROXYD_KEYS_FILE"
    case limits = "PROXYD_LIMITS"
}

/// How one setting is documented and spelled; `--help`, the flag mapping and the example env file all read this.
package struct Setting: Sendable {
    package var key: SettingKey
    /// The long flag without its dashes, e.g. `max-body-bytes`.
    package var flag: String
    package var placeholder: String
    package var help: String
    /// The default as a human reads it.
    package var defaultText: String
    /// The default as a value `Configuration.load` parses; nil when the default is computed or "none".
    package var defaultValue: String?
    /// Other environment names read when the main one is absent, in order of preference.
    package var aliases: [String]

    package var envName: String { key.rawValue }
}

extension Configuration {
    package static var settings: [Setting] { SettingKey.allCases.map(setting) }

    /// The single description of each setting; the switch is exhaustive so none can go undocumented.
    package static func setting(_ key: SettingKey) -> Setting {
        func make(_ placeholder: String, _ help: String, default value: String? = nil, describedDefault: String? = nil,
                  aliases: [String] = []) -> Setting {
            let flag = key.rawValue.dropFirst("PROXYD_".count).lowercased().replacing("_", with: "-")
            return Setting(key: key, flag: flag, placeholder: placeholder, help: help,
                           defaultText: describedDefault ?? value ?? "none", defaultValue: value, aliases: aliases)
        }
        switch key {
        case .listen:
            return make("host:port", "Address to serve; GO_CHATGPT_API_PORT or PORT set only the port.",
                        default: "0.0.0.0:8080", aliases: ["GO_CHATGPT_API_PORT", "PORT"])
        case .adminListen:
            return make("host:port|off",
                        "Address of the admin listener: GET /metrics (Prometheus), /healthz, /readyz; off: none.",
                        default: "127.0.0.1:9180")
        case .upstreamProxy:
            return make("url[,url...]",
                        "Upstream proxy, or several separated by commas: http://[user:pass@]host:port, socks5://..., socks5h://...",
                        describedDefault: "none (direct)", aliases: ["GO_CHATGPT_API_PROXY", "PROXY"])
        case .proxyPolicy:
            return make(ProxyPolicy.allCases.map(\.rawValue).joined(separator: "|"),
                        "Which of several upstream proxies a request takes: each in turn, or one per client token (Authorization) so a user keeps one egress IP.",
                        default: ProxyPolicy.roundRobin.rawValue)
        case .chatgptURL:
            return make("url", "Base URL of the ChatGPT web upstream (http:// chains to another server).",
                        default: "https://chatgpt.com")
        case .platformURL:
            return make("url", "Base URL of the OpenAI platform API upstream.", default: "https://api.openai.com")
        case .authURL:
            return make("url", "Base URL of the auth0 login upstream.", default: "https://auth0.openai.com")
        case .platformWebURL:
            return make("url", "Base URL of the platform web app, the login callback's origin.",
                        default: "https://platform.openai.com")
        case .tlsProfile:
            return make(TLSProfileName.allCases.map(\.rawValue).joined(separator: "|"),
                        "Client fingerprint presented to upstreams.", default: TLSProfileName.chrome.rawValue)
        case .caFile:
            return make("path", "PEM file of extra CAs trusted for upstream TLS (certificates are always verified).",
                        describedDefault: "system store only")
        case .resolve:
            return make("host:port:address[,...]",
                        "Static name overrides as curl's --resolve; IPv6 addresses may be in brackets.")
        case .dnsServers:
            return make("ip[:port][,...]", "DNS servers for the resolver; IPv6 with a port as [ip]:port.",
                        describedDefault: "from /etc/resolv.conf")
        case .dnsTimeout:
            return make("seconds", "Time allowed for a DNS lookup; 504 when it runs out.", default: "5")
        case .dnsMinTTL:
            return make("seconds", "Shortest time a DNS answer is cached, whatever its TTL.", default: "30")
        case .dnsMaxTTL:
            return make("seconds", "Longest time a DNS answer is cached, whatever its TTL.", default: "600")
        case .dnsNegativeTTL:
            return make("seconds", "Time a name found not to exist (or without addresses) is remembered.", default: "5")
        case .workers:
            return make("n", "Event-loop threads, 1 to \(Configuration.maxWorkers).", describedDefault: "number of online CPUs")
        case .maxBodyBytes:
            return make("bytes", "Largest request body accepted; larger ones get 413.", default: "536870912")
        case .headerTimeout:
            return make("seconds", "Time allowed for a request head to arrive completely.", default: "10")
        case .idleTimeout:
            return make("seconds", "Time an idle keep-alive client connection is kept open.", default: "75")
        case .connectTimeout:
            return make("seconds", "Time allowed for the TCP connect to an upstream or upstream proxy (all addresses).",
                        default: "10")
        case .proxyTimeout:
            return make("seconds", "Time allowed for an upstream proxy's SOCKS5 or CONNECT handshake.", default: "10")
        case .tlsTimeout:
            return make("seconds", "Time allowed for the TLS handshake with an upstream.", default: "10")
        case .upstreamTimeout:
            return make("seconds",
                        "Longest wait for an upstream's next bytes once the request is sent; 504 if no response head yet.",
                        default: "120")
        case .upstreamPingAfter:
            return make("seconds", "An HTTP/2 upstream connection idle this long is checked with PING before reuse.",
                        default: "30")
        case .upstreamIdleClose:
            return make("seconds", "An upstream connection with no requests for this long is closed.", default: "300")
        case .logFormat:
            return make(LogFormat.allCases.map(\.rawValue).joined(separator: "|"),
                        "Log lines as text, or as one JSON object a line (time, level, msg; the access line's fields as members).",
                        default: LogFormat.text.rawValue)
        case .logLevel:
            return make(LogLevel.allCases.map(\.rawValue).joined(separator: "|"), "Least severe messages logged.",
                        default: LogLevel.info.rawValue)
        case .loginTimeout:
            return make("seconds", "Time allowed for a whole /chatgpt/login or /platform/login, every step included.",
                        default: "30")
        case .maxLoginsPerWorker:
            return make("n", "Logins one worker runs at once; more get 503.", default: "64")
        case .maxConnections:
            return make("n|auto",
                        "Client connections one worker keeps; past it a new one gets 503 and is closed at accept. auto: half the open-file limit (raised to the hard limit at start), split over the workers.",
                        default: "auto")
        case .maxStreams:
            return make("n|auto",
                        "Requests one worker has under way (streams and logins); past it a new one gets 503 with Retry-After before its body is read. auto: half the open-file limit (raised to the hard limit at start), split over the workers.",
                        default: "auto")
        case .drainTimeout:
            return make("seconds", "On SIGTERM, time the requests under way get to finish before proxyd exits.",
                        default: "30")
        case .accessLog:
            return make(Switch.allCases.map(\.rawValue).joined(separator: "|"),
                        "One info line per answered request: client, method, path, status, milliseconds.",
                        default: Switch.off.rawValue)
        case .chatgptSentinel:
            return make(SentinelMode.allCases.map(\.rawValue).joined(separator: "|"),
                        "The handshake before a ChatGPT conversation: 2026 (conduit, sentinel prepare and finalize, /f/conversation), 2024 (one requirements call, /conversation), off (relay as sent).",
                        default: SentinelMode.c2026.rawValue)
        case .powMaxDifficulty:
            return make("hex", "Hardest proof of work solved; a harder one fetches new requirements twice, then gets 503.",
                        default: "000032")
        case .powMaxSolves:
            return make("n", "Proofs of work one worker searches at once (in slices between its other work); more get 503.",
                        default: "8")
        case .chatgptBuildNumber:
            return make("number", "The web app's build number sent as oai-client-build-number (the site does not publish it).",
                        default: ChatGPTSite.defaultBuildNumber)
        case .chatgptMaxAccounts:
            return make("n", "ChatGPT accounts (1 to 100000) whose device id, cookies and session one worker keeps; the least recently used go first.",
                        default: "1024")
        case .chatgptAccountIdle:
            return make("seconds", "An account's device state unused this long is forgotten (its device id comes back the same).",
                        default: "3600")
        case .imitateContinue:
            return make("n", "Times (0 to 10) an /imitate/v1 answer the site cut at its own max_tokens is continued; the client sees one answer.",
                        default: "3")
        case .imitateHistory:
            return make(Switch.allCases.map(\.rawValue).joined(separator: "|"),
                        "on: /imitate/v1 conversations stay in the account's history (and may be used for training); off: neither.",
                        default: Switch.off.rawValue)
        case .tokenizer:
            return make("path|off", "The o200k_base vocabulary /imitate/v1 counts tokens with (usage, max_tokens); missing or off: no usage, and max_tokens is refused.",
                        default: Tokenizer.installedPath)
        case .keysFile:
            return make("path", "Access keys, one JSON line each (written by proxyd keys add), read and checked at startup.",
                        describedDefault: "none (no keys)")
        case .limits:
            return make(LimitsMode.allCases.map(\.rawValue).joined(separator: "|"),
                        "What the keys' limits do to a request over them: enforce (429), or shadow (admit it, and log what would have been refused).",
                        default: LimitsMode.enforce.rawValue)
        }
    }
}

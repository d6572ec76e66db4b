/// One account's browser state on one worker, as the web app keeps it in a browser: the device id
/// (also its `oai-did` cookie), a session id, the cookies chatgpt.com set, and when its page was loaded.
/// Loop-confined; never shared between tokens (see `AccountIdentity`).
final class ChatGPTAccount {
    let identity: AccountIdentity
    /// A UUID per token and proxyd run, as a browser tab has one per page load: derived, so every worker
    /// serving the token sends the same one.
    let sessionID: String
    let jar: CookieJar
    /// `performance.timeOrigin` of the page: epoch milliseconds of the bootstrap; nil before the first.
    private(set) var timeOrigin: Double?
    /// The same moment on the loop's clock, for `performance.now()`.
    private(set) var bootstrappedAt: UInt64 = 0
    /// Loop milliseconds of the last turn, for the idle expiry and the least-recently-used eviction.
    var lastUsed: UInt64

    init(_ identity: AccountIdentity, site: UpstreamOrigin, now: UInt64) {
        self.identity = identity
        sessionID = UUIDText.version5(namespace: UUIDText.runNamespace, name: hexString(identity.tokenDigest))
        jar = CookieJar()
        lastUsed = now
        pinDeviceCookie(site: site)
    }

    /// The web app's script sets `oai-did` to the device id, and the site checks it against
    /// `oai-device-id`: set again before each call, so an `oai-did` the site sets cannot part them.
    func pinDeviceCookie(site: UpstreamOrigin) {
        jar.store(ChatGPTSite.deviceCookie + "=" + identity.deviceID + "; Path=/", from: FlowURL(site, "/"))
    }

    /// What every call of the web app carries for this account besides its token: the device id, the
    /// language, and the cookies for `path` (the device cookie pinned first).
    func siteFields(site: UpstreamOrigin, path: String) -> [HTTPField] {
        pinDeviceCookie(site: site)
        var fields = [HTTPField(ChatGPTSite.deviceIDHeader, identity.deviceID),
                      HTTPField(ChatGPTSite.languageHeader, ChatGPTSite.language)]
        if let cookie = jar.cookieHeader(for: FlowURL(site, path)) { fields.append(HTTPField("cookie", cookie)) }
        return fields
    }

    var needsBootstrap: Bool { timeOrigin == nil }

    func bootstrapped(epochMs: Double, now: UInt64) {
        timeOrigin = epochMs
        bootstrappedAt = now
    }

    /// Milliseconds since the bootstrap, as the page's `performance.now()` would say.
    func performanceNow(_ now: UInt64) -> Double {
        Double(now &- bootstrappedAt)
    }
}

/// The accounts one worker keeps state for: at most `limit`, each forgotten after `idleMs` without a
/// turn (its device id comes back the same; cookies and session start anew). Full, a new account
/// makes room by dropping the idle ones and, if none was, the least recently used eighth: one scan per
/// `limit / 8` new accounts, so a stream of fresh tokens cannot make every turn scan the table.
final class ChatGPTAccounts {
    private var accounts: [[UInt8]: ChatGPTAccount] = [:]
    private let limit: Int
    private let idleMs: UInt64
    private let site: UpstreamOrigin

    init(limit: Int, idleMs: UInt64, site: UpstreamOrigin) {
        self.limit = limit
        self.idleMs = idleMs
        self.site = site
    }

    var count: Int { accounts.count }

    /// The state of the token's account, made on first use.
    func account(for identity: AccountIdentity, now: UInt64) -> ChatGPTAccount {
        if let account = accounts[identity.tokenDigest], now &- account.lastUsed < idleMs {
            account.lastUsed = now
            return account
        }
        if accounts.count >= limit { evict(now: now) }
        let account = ChatGPTAccount(identity, site: site, now: now)
        accounts[identity.tokenDigest] = account
        return account
    }

    private func evict(now: UInt64) {
        accounts = accounts.filter { now &- $0.value.lastUsed < idleMs }
        guard accounts.count >= limit else { return }
        let byAge = accounts.sorted { $0.value.lastUsed < $1.value.lastUsed }
        for (key, _) in byAge.prefix(max(1, limit / 8)) { accounts[key] = nil }
    }
}

/// What proxyd knows of the site itself, per worker: the build id of its page, refetched when old or
/// after a 403 (a stale build routes accounts to smaller models, or is refused).
struct ChatGPTBuild {
    private(set) var id: String?
    private var fetchedAt: UInt64 = 0

    private var stale = false

    func isStale(now: UInt64) -> Bool {
        id == nil || stale || now &- fetchedAt >= ChatGPTSite.buildMaxAgeMs
    }

    mutating func update(_ id: String, now: UInt64) {
        self.id = id
        fetchedAt = now
        stale = false
    }

    /// A 403: the next turn fetches the page again. The id stays for turns under way, which keep the one
    /// they started with.
    mutating func markStale() {
        stale = true
    }
}

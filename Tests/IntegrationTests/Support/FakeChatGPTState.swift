import Foundation

/// The steps of a conversation turn the fake knows (chatgpt-web.md §1), by path.
enum FakeChatGPTStep: String, CaseIterable {
    case bootstrap = "GET /"
    case conduit = "POST /backend-api/f/conversation/prepare"
    case sentinelPrepare = "POST /backend-api/sentinel/chat-requirements/prepare"
    case sentinelFinalize = "POST /backend-api/sentinel/chat-requirements/finalize"
    /// Generation B's single requirements call.
    case requirements = "POST /backend-api/sentinel/chat-requirements"
    case conversation = "POST /backend-api/f/conversation"
    /// Generation B's conversation (and what `off` and a 2023 client call).
    case legacyConversation = "POST /backend-api/conversation"
    /// The models the account may pick (FakeChatGPTModels.swift).
    case models = "GET /backend-api/models"

    var path: String { String(rawValue.split(separator: " ")[1]) }

    static func of(method: String, path: String) -> FakeChatGPTStep? {
        allCases.first { $0.rawValue == method + " " + path }
    }
}

/// What a test may change while the fake runs (through `FakeChatGPT.configure`).
struct FakeChatGPTKnobs {
    /// The difficulty of every proof the sentinel asks for; the spec's "easy" default.
    var difficulty = "0fffff"
    /// Used first, one per requirements answer (prepare or generation B's call), before `difficulty`.
    var nextDifficulties: [String] = []
    var proofRequired = true
    /// Prepare says turnstile is required, and finalize refuses for want of it.
    var turnstileRequired = false
    /// Steps answered with this status and body instead of their normal answer.
    var refusals: [FakeChatGPTStep: (status: Int, body: String)] = [:]
    /// The `oai-client-build-number` the client must send (PROXYD_CHATGPT_BUILD_NUMBER); nil: any non-empty value.
    var expectedBuildNumber: String?
    /// Pause between the writes of a conversation's stream.
    var streamDelayMs = 25
    /// A `Set-Cookie` value the conversation's answer carries, as the site refreshes `__cf_bm` on any answer.
    var conversationCookie: String?
    /// A content coding (gzip, deflate, br, zstd) the conversation's stream is sent in, each write flushed, as a
    /// CDN may compress an event stream the browser accepts coded; nil: as it is.
    var conversationCoding: String?
    /// Header fields a refused step's answer carries besides its `refusals` status and body (`retry-after`, …).
    var refusalHeaders: [FakeChatGPTStep: [(String, String)]] = [:]
    /// Scripted answers (FakeAnswerScript.swift): the first for `action: next`, one per `action: continue` after
    /// it; empty: the default answer. `answer` sets a single one.
    var segments: [FakeAnswerScript] = []
    /// The stream format of scripted answers whatever the request asks for; nil: the request's `supported_encodings`.
    var format: FakeAnswerFormat?
    /// The slugs `GET /backend-api/models` lists, in order.
    var models = FakeChatGPTModels.defaultSlugs
}

/// One request as the fake received it and what it answered.
struct FakeChatGPTRecord {
    let id: Int
    let request: FakeAuthRequest
    let step: FakeChatGPTStep?
    /// The fake's number for the TCP (TLS) connection that carried it.
    let connection: Int
    /// Monotonic (`DispatchTime`) arrival time.
    let time: UInt64
    /// The ChatGPT account of its access token, if it had a valid one.
    let account: String?
    let status: Int
    /// Why the fake refused it (nil: it did not).
    let refusal: String?
    let responseBody: [UInt8]

    var path: String { request.path }
    func header(_ name: String) -> String? { request.header(name) }
    var cookies: [String: String] { request.cookies }
    /// Header names in the order they arrived (HTTP/2 pseudo-headers excluded).
    var headerNames: [String] { request.headers.map { $0.name.lowercased() } }
}

/// A TLS connection the fake accepted.
struct FakeChatGPTConnection {
    let id: Int
    /// "h2" or "http/1.1", as negotiated by ALPN.
    var protocolName: String
    let clientPort: Int
    /// The process holding the client end when it was accepted: proxyd, or the proxy in between.
    let senderPID: Int32?
}

/// The fake site's memory: browsers (cookie sets it issued), accounts, tokens and what it recorded. A value
/// guarded by `FakeChatGPT`'s lock; the steps (FakeChatGPTSteps.swift) are mutating methods on it.
struct FakeChatGPTState {
    static let unusualActivity = #"{"detail":"Unusual activity has been detected from your device. Try again later."}"#
    static let staleBuild = #"{"detail":"Your client is out of date. Please reload the page."}"#
    static let turnstileRequired = #"{"detail":"Turnstile verification is required for this request."}"#
    static let badAuthorization = #"{"detail":"Could not parse your authentication token. Please try signing in again."}"#

    /// What one bootstrap (`GET /` without the fake's cookies) handed out: one browser.
    struct Browser {
        let cfBM: String
        let oaiSC: String
        /// `oai-did` set by the fake, when the bootstrap came without one.
        var issuedDeviceCookie: String?
        /// The account whose requests first carried these cookies; another account's use is a leak.
        var account: String?
        /// `_cfuvid` values set on this browser by conduit prepares.
        var cfuvids: Set<String> = []
    }

    struct Account {
        var deviceID: String?
        var conduitTokens: Set<String> = []
    }

    /// A sentinel answer waiting to be finalized (C) or a requirements token waiting for its conversation.
    struct Issued {
        let account: String
        let generation: FakeSentinelGeneration
        let seed: String
        let difficulty: String
        let proofRequired: Bool
        let turnstileRequired: Bool
        var used = false
    }

    var knobs = FakeChatGPTKnobs()
    var build = FakeChatGPTState.newBuild()
    var browsers: [String: Browser] = [:]  // by oai-sc
    var accounts: [String: Account] = [:]
    var prepareTokens: [String: Issued] = [:]
    var chatTokens: [String: Issued] = [:]
    var turnTraceIDs: Set<String> = []
    var records: [FakeChatGPTRecord] = []
    var connections: [Int: FakeChatGPTConnection] = [:]
    /// Per conversation record id: each write of the stream, with its monotonic time (bytes left out for a large
    /// answer), its byte count, and how it ended.
    var streamWrites: [Int: [(time: UInt64, bytes: [UInt8])]] = [:]
    var streamBytes: [Int: Int] = [:]
    var streamEnds: [Int: FakeStreamEnd] = [:]
    /// Scripted conversations by id, for `action: continue`.
    var conversations: [String: FakeConversation] = [:]

    static func newBuild() -> String { "prod-" + randomHex(20) }

    static func randomHex(_ count: Int) -> String {
        String((0..<count).map { _ in "0123456789abcdef".randomElement()! })
    }

    /// The next difficulty a requirements answer asks for.
    mutating func takeDifficulty() -> String {
        knobs.nextDifficulties.isEmpty ? knobs.difficulty : knobs.nextDifficulties.removeFirst()
    }

    static func randomSeed() -> String { "0." + String(UInt64.random(in: 1_000_000_000_000...9_999_999_999_999)) }

    static func opaqueToken(_ prefix: String, length: Int = 96) -> String {
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return prefix + String((0..<length).map { _ in alphabet.randomElement()! })
    }

    /// The account named by a JWT access token's `https://api.openai.com/auth` claim (signature not checked).
    static func account(authorization: String?) -> String? {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return nil }
        let parts = authorization.dropFirst(7).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var payload = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        guard let data = Data(base64Encoded: payload),
              let claims = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let auth = claims["https://api.openai.com/auth"] as? [String: Any] else { return nil }
        return (auth["chatgpt_account_id"] as? String) ?? (auth["user_id"] as? String)
    }

    /// A lowercase 8-4-4-4-12 UUID (any version unless `version` is given).
    static func isUUID(_ text: String?, version: Character? = nil) -> Bool {
        guard let text, let uuid = UUID(uuidString: text), uuid.uuidString.lowercased() == text.lowercased() else {
            return false
        }
        guard let version else { return true }
        return Array(text)[14] == version
    }
}

/// Makes JWT-shaped access tokens (unsigned) that name a ChatGPT account, as the fake reads them.
enum FakeChatGPTAccessToken {
    static func make(accountID: String, email: String? = nil) -> String {
        let header = #"{"alg":"RS256","typ":"JWT"}"#
        let claims: [String: Any] = [
            "https://api.openai.com/auth": ["chatgpt_account_id": accountID, "user_id": "user-" + accountID],
            "https://api.openai.com/profile": ["email": email ?? "\(accountID)@example.com"],
            "exp": Int(Date().timeIntervalSince1970) + 86_400,
        ]
        let payload = (try? JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])) ?? Data()
        return base64URL(Data(header.utf8)) + "." + base64URL(payload) + "." + base64URL(Data("unsigned-\(accountID)".utf8))
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Everything chatgpt.com's web app does that the site may change (../shared/spec/chatgpt-web.md):
/// paths, header names, the sentinel's config array layout and constants. Following the site is a
/// change to this file; the code that runs the handshake reads these values and holds none of its own.
package enum ChatGPTSite {
    // MARK: paths (relative to the upstream origin's base path)

    /// The page whose `<html data-build="…">` names the build (bootstrap navigation).
    static let bootstrapPath = "/"
    static let buildAttribute = "data-build"
    /// Refetched after this long, or after a 403.
    static let buildMaxAgeMs: UInt64 = 15 * 60 * 1000

    static let backend = "/backend-api"
    static let conduitPreparePath = backend + "/f/conversation/prepare"
    static let sentinelPreparePath = backend + "/sentinel/chat-requirements/prepare"
    static let sentinelFinalizePath = backend + "/sentinel/chat-requirements/finalize"
    /// Generation C's conversation endpoint.
    static let conversationPath = backend + "/f/conversation"
    /// Generation B: one requirements call and the old conversation endpoint.
    static let requirementsPath = backend + "/sentinel/chat-requirements"
    static let legacyConversationPath = backend + "/conversation"
    /// The account's models (`{"models":[{"slug",…}]}`), which /imitate/v1/models lists.
    static let modelsPath = backend + "/models"

    // MARK: header names

    static let requirementsTokenHeader = "openai-sentinel-chat-requirements-token"
    static let proofTokenHeader = "openai-sentinel-proof-token"
    static let conduitTokenHeader = "x-conduit-token"
    /// The conduit token of the first prepare call.
    static let noConduitToken = "no-token"
    static let deviceIDHeader = "oai-device-id"
    /// The workspace of a team account; absent: the user's own.
    static let accountHeader = "chatgpt-account-id"
    static let sessionIDHeader = "oai-session-id"
    static let languageHeader = "oai-language"
    static let clientVersionHeader = "oai-client-version"
    static let buildNumberHeader = "oai-client-build-number"
    static let targetPathHeader = "x-openai-target-path"
    static let targetRouteHeader = "x-openai-target-route"
    static let turnTraceHeader = "x-oai-turn-trace-id"
    /// `oai-client-build-number`: the site publishes no way to read it, so it is a setting with this default.
    static let defaultBuildNumber = "3810449"
    /// The cookie that must carry the device id.
    static let deviceCookie = "oai-did"

    // MARK: the proof of work

    /// Tries before a search gives up (then new requirements are fetched, see `maxRequirementsRefetches`).
    static let maxProofTries = 500_000
    /// A harder difficulty than the configured maximum fetches new requirements this many times, then fails.
    static let maxRequirementsRefetches = 2
    static let proofPrefix = "gAAAAAB"
    static let requirementsPrefix = "gAAAAAC"
    /// Generation C appends this to proofs and requirements tokens.
    static let generationCSuffix = "~S"
    /// The answer a browser sends when its search found nothing (followed by base64 of `"e"`).
    static let failedProofMarker = "wQ8Lk5FbGpA2NcR9dShT6gYjU7VxZ4D"

    /// The config array, element by element (its index is the position here). The values describe
    /// the browser the profile claims to be and must agree with its User-Agent and headers.
    enum ConfigElement: Equatable, Sendable {
        /// `screen.width + screen.height`.
        case screenSum
        /// `String(new Date())` in the profile's time zone, at the search's start.
        case dateText
        /// `performance.memory.jsHeapSizeLimit`.
        case heapLimit
        /// The search's counter; 1 in a requirements token.
        case nonce
        /// `navigator.userAgent`, exactly as the profile sends it.
        case userAgent
        /// A script URL of the page.
        case scriptURL
        /// The build id read at bootstrap.
        case buildID
        /// `navigator.language`.
        case language
        /// `navigator.languages.join(",")`.
        case languages
        /// Milliseconds since the search began; a random fraction in a requirements token.
        case elapsed
        /// A navigator property as `name−value` (U+2212 between).
        case navigatorProperty
        /// A key of `document`.
        case documentKey
        /// A key of `window`.
        case windowKey
        /// `performance.now()`: milliseconds since the account's bootstrap.
        case performanceNow
        /// The account's device id.
        case deviceID
        /// `location.search` keys.
        case searchKeys
        /// `navigator.hardwareConcurrency`.
        case hardwareConcurrency
        /// `performance.timeOrigin`: epoch milliseconds of the account's bootstrap.
        case timeOrigin
        /// `Number("X" in window)` for a global X: a constant 0 or 1.
        case windowHas(String, Int)
    }

    static let configLayout: [ConfigElement] = [
        .screenSum, .dateText, .heapLimit, .nonce, .userAgent, .scriptURL, .buildID, .language, .languages,
        .elapsed, .navigatorProperty, .documentKey, .windowKey, .performanceNow, .deviceID, .searchKeys,
        .hardwareConcurrency, .timeOrigin,
        .windowHas("ai", 0), .windowHas("createPRNG", 0), .windowHas("cache", 0), .windowHas("data", 0),
        .windowHas("solana", 0), .windowHas("dump", 0), .windowHas("InstallTrigger", 0),
    ]

    /// What a Chrome on a desktop reports for the elements above that are not per account or per search.
    static let screenSum = 1920 + 1080
    static let heapLimit = 4_294_705_152
    static let scriptURL = "https://chatgpt.com/backend-api/sentinel/sdk.js"
    static let navigatorProperty = "vendor\u{2212}Google Inc."
    static let documentKey = "location"
    static let windowKey = "onfocus"
    static let hardwareConcurrency = 8
    /// `navigator.language` and `navigator.languages`, as the profiles' `accept-language` (en-US,en;q=0.9) says.
    static let language = "en-US"
    static let languages = "en-US,en"
    /// The profile's time zone: what `String(new Date())` names, and the conduit body's `timezone` and
    /// `timezone_offset_min` when the client sent none. UTC, as a server's browser would be; a zone with
    /// daylight saving would need its rules here.
    static let timeZone = "UTC"
    static let timeZoneLongName = "Coordinated Universal Time"
    static let timeZoneOffsetMinutes = 0
}

/// The profiles' data, from the captures in the shared fingerprints folder (see each one's note).
/// To follow a new browser release, change the values here: nothing else depends on them.
///
/// The captures are navigations (a first GET), so the navigation plans follow them exactly. Where a
/// browser would put the client's own headers is not captured; the `.client` slots follow where each
/// browser's network stack adds them (Chromium: the body length first, page headers after
/// user-agent; Firefox: page headers after the referer; okhttp: the caller's headers first). The fetch
/// plans are the same browsers' layout for a page script calling its own site (CORS mode, empty
/// destination, same-origin, the fetch priority), modelled on those rules rather than captured.
extension BrowserProfile {
    typealias Slot = HeaderPlan.Slot
    typealias Name = HeaderPlan.Name

    private static func fixed(_ name: String, _ value: String, http2Only: Bool = false) -> Slot {
        .fixed(Name(name, http2Only: http2Only), value)
    }

    private static func client(_ name: String, default value: String? = nil) -> Slot {
        .client(Name(name), default: value)
    }

    /// What a Chromium browser says about itself in every request.
    private struct ChromiumIdentity {
        let secCHUA: String
        let platform: String
        let userAgent: String
        let navigationAccept: String
        let acceptEncoding: String
        /// Chromium adds the priority header in its HTTP/2 and HTTP/3 layers only, since version 124.
        let priority: Bool
    }

    /// Chromium's navigation layout, shared by Chrome and Edge.
    private static func chromiumNavigation(_ id: ChromiumIdentity) -> HeaderPlan {
        var slots: [Slot] = [
            client("content-length"),
            fixed("sec-ch-ua", id.secCHUA),
            fixed("sec-ch-ua-mobile", "?0"),
            fixed("sec-ch-ua-platform", id.platform),
            fixed("upgrade-insecure-requests", "1"),
            fixed("user-agent", id.userAgent),
            .otherClientFields,
            client("content-type"),
            client("accept", default: id.navigationAccept),
            client("origin"),
            fixed("sec-fetch-site", "none"),
            fixed("sec-fetch-mode", "navigate"),
            fixed("sec-fetch-user", "?1"),
            fixed("sec-fetch-dest", "document"),
            client("referer"),
            .acceptEncoding(browser: id.acceptEncoding),
            fixed("accept-language", "en-US,en;q=0.9"),
            client("cookie"),
        ]
        if id.priority { slots.append(fixed("priority", "u=0, i", http2Only: true)) }
        return HeaderPlan(slots)
    }

    /// Chromium's fetch() layout: the platform hint leads, the page's headers follow it.
    private static func chromiumFetch(_ id: ChromiumIdentity) -> HeaderPlan {
        var slots: [Slot] = [
            client("content-length"),
            fixed("sec-ch-ua-platform", id.platform),
            .otherClientFields,
            fixed("sec-ch-ua", id.secCHUA),
            fixed("sec-ch-ua-mobile", "?0"),
            fixed("user-agent", id.userAgent),
            client("content-type"),
            client("accept", default: "*/*"),
            .pageOrigin(Name("origin")),
            fixed("sec-fetch-site", "same-origin"),
            fixed("sec-fetch-mode", "cors"),
            fixed("sec-fetch-dest", "empty"),
            .pageReferer(Name("referer")),
            .acceptEncoding(browser: id.acceptEncoding),
            fixed("accept-language", "en-US,en;q=0.9"),
            client("cookie"),
        ]
        if id.priority { slots.append(fixed("priority", "u=1, i", http2Only: true)) }
        return HeaderPlan(slots)
    }

    private static func chromium(_ name: TLSProfileName, http2: HTTP2Profile, _ id: ChromiumIdentity) -> BrowserProfile {
        BrowserProfile(name: name, http2: http2, fetch: chromiumFetch(id), navigation: chromiumNavigation(id))
    }

    private static func chromiumHTTP2(_ settings: [(Int32, UInt32)]) -> HTTP2Profile {
        HTTP2Profile(settings: settings, windowUpdate: 15_663_105, priority: (weight: 256, exclusive: true),
                     pseudoHeaderOrder: [.method, .authority, .scheme, .path])
    }

    /// chromium_headless.json (Chromium 156, Linux), as Google Chrome 156 on Linux: the capture's
    /// `HeadlessChrome/` user agent and its two-brand sec-ch-ua would name a headless browser, which
    /// sites block. Chrome's brand list comes from Chromium's GREASE algorithm seeded by the major
    /// version (for 156: `Not:A-Brand` v8 first, then Chromium, then Google Chrome).
    static let chrome = chromium(
        .chrome, http2: chromiumHTTP2([(1, 65536), (2, 0), (4, 6_291_456), (6, 262_144)]),
        ChromiumIdentity(
            secCHUA: #""Not:A-Brand";v="8", "Chromium";v="156", "Google Chrome";v="156""#, platform: #""Linux""#,
            userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
            navigationAccept: "text/html,application/xhtml+xml,application/xml;q=0.9,image/jxl,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
            acceptEncoding: "gzip, deflate, br, zstd", priority: true))

    /// curl_cffi_edge101.json (curl-impersonate's Edge 101, Windows).
    static let edge = chromium(
        .edge, http2: chromiumHTTP2([(1, 65536), (3, 1000), (4, 6_291_456), (6, 262_144)]),
        ChromiumIdentity(
            secCHUA: #"" Not A;Brand";v="99", "Chromium";v="101", "Microsoft Edge";v="101""#, platform: #""Windows""#,
            userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/101.0.4951.64 Safari/537.36 Edg/101.0.1210.47",
            navigationAccept: "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.9",
            acceptEncoding: "gzip, deflate, br", priority: false))

    private static let safariUserAgent =
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/27.0 Safari/605.1.15"

    /// curl_cffi_safari270.json (curl-impersonate's Safari 27, macOS).
    static let safari = BrowserProfile(
        name: .safari,
        http2: HTTP2Profile(settings: [(2, 0), (3, 100), (4, 2_097_152), (9, 1)], windowUpdate: 10_420_225,
                            priority: nil, pseudoHeaderOrder: [.method, .scheme, .authority, .path]),
        fetch: HeaderPlan([
            client("content-type"),
            client("accept", default: "*/*"),
            .otherClientFields,
            fixed("sec-fetch-site", "same-origin"),
            .pageOrigin(Name("origin")),
            fixed("sec-fetch-mode", "cors"),
            fixed("user-agent", safariUserAgent),
            .pageReferer(Name("referer")),
            fixed("sec-fetch-dest", "empty"),
            client("content-length"),
            fixed("accept-language", "en-US,en;q=0.9"),
            fixed("priority", "u=3, i", http2Only: true),
            .acceptEncoding(browser: "gzip, deflate, br, zstd"),
            client("cookie"),
        ]),
        navigation: HeaderPlan([
            fixed("sec-fetch-dest", "document"),
            fixed("user-agent", safariUserAgent),
            client("content-type"),
            .otherClientFields,
            client("accept", default: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            fixed("sec-fetch-site", "same-origin"),
            client("origin"),
            fixed("sec-fetch-mode", "navigate"),
            client("referer"),
            client("content-length"),
            fixed("accept-language", "en-US,en;q=0.9"),
            fixed("priority", "u=0, i", http2Only: true),
            .acceptEncoding(browser: "gzip, deflate, br, zstd"),
            client("cookie"),
        ]))

    private static let firefoxUserAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"

    /// firefox_esr_headless.json (Firefox ESR 153, Linux; its user agent does not say headless).
    static let firefox = BrowserProfile(
        name: .firefox,
        http2: HTTP2Profile(settings: [(1, 65536), (2, 0), (4, 131_072), (5, 16384)], windowUpdate: 12_517_377,
                            priority: (weight: 42, exclusive: false), pseudoHeaderOrder: [.method, .path, .authority, .scheme]),
        fetch: HeaderPlan([
            fixed("user-agent", firefoxUserAgent),
            client("accept", default: "*/*"),
            fixed("accept-language", "en-US,en;q=0.9"),
            .acceptEncoding(browser: "gzip, deflate, br, zstd"),
            .pageReferer(Name("referer")),
            client("content-type"),
            .otherClientFields,
            client("content-length"),
            .pageOrigin(Name("origin")),
            client("cookie"),
            fixed("sec-fetch-dest", "empty"),
            fixed("sec-fetch-mode", "cors"),
            fixed("sec-fetch-site", "same-origin"),
            fixed("priority", "u=4"),
            // On HTTP/1.1 TE is hop-by-hop and Firefox leaves it out.
            fixed("te", "trailers", http2Only: true),
        ]),
        navigation: HeaderPlan([
            fixed("user-agent", firefoxUserAgent),
            client("accept", default: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            fixed("accept-language", "en-US,en;q=0.9"),
            .acceptEncoding(browser: "gzip, deflate, br, zstd"),
            client("referer"),
            client("content-type"),
            .otherClientFields,
            client("content-length"),
            client("origin"),
            client("cookie"),
            fixed("upgrade-insecure-requests", "1"),
            fixed("sec-fetch-dest", "document"),
            fixed("sec-fetch-mode", "navigate"),
            fixed("sec-fetch-site", "none"),
            fixed("priority", "u=0, i"),
            fixed("te", "trailers", http2Only: true),
        ]))

    /// OkHttp sends the same headers whatever the request is for.
    private static let okhttpPlan = HeaderPlan([
        .otherClientFields,
        client("content-type"),
        client("content-length"),
        client("accept", default: "*/*"),
        .acceptEncoding(browser: "gzip, deflate, br"),
        client("cookie"),
        fixed("user-agent", "okhttp/4.12.0"),
    ])

    /// tls_client_okhttp4_android_13.json (tls-client's OkHttp 4 on Android 13). Its user agent there
    /// is tls-client's own default; OkHttp's is sent instead so that the headers name the same
    /// client as the TLS and HTTP/2 layers.
    static let okhttp = BrowserProfile(
        name: .okhttp,
        http2: HTTP2Profile(settings: [(4, 16_777_216)], windowUpdate: 16_711_681,
                            priority: nil, pseudoHeaderOrder: [.method, .path, .authority, .scheme]),
        fetch: okhttpPlan, navigation: okhttpPlan)
}

import XCTest
@testable import ProxyCore

/// The profile tables against the reference captures (values copied from Fixtures/Fingerprints), and
/// the order in which a client's headers are merged into a profile's.
final class BrowserProfileTests: XCTestCase {
    /// The `akamai` field of each reference file.
    private static let referenceAkamai: [TLSProfileName: String] = [
        .chrome: "1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p",  // chromium_headless.json
        .edge: "1:65536;3:1000;4:6291456;6:262144|15663105|0|m,a,s,p",  // curl_cffi_edge101.json
        .safari: "2:0;3:100;4:2097152;9:1|10420225|0|m,s,a,p",  // curl_cffi_safari270.json
        .firefox: "1:65536;2:0;4:131072;5:16384|12517377|0|m,p,a,s",  // firefox_esr_headless.json
        .okhttp: "4:16777216|16711681|0|m,p,a,s",  // tls_client_okhttp4_android_13.json
    ]

    /// chromium_headless.json's `http2.headers` after the pseudo-headers, for a first GET of `/`.
    private static let chromiumHeadlessHeaders: [(String, String)] = [
        ("sec-ch-ua", #""Not:A-Brand";v="8", "Chromium";v="156""#),
        ("sec-ch-ua-mobile", "?0"),
        ("sec-ch-ua-platform", #""Linux""#),
        ("upgrade-insecure-requests", "1"),
        ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36"),
        ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/jxl,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"),
        ("sec-fetch-site", "none"),
        ("sec-fetch-mode", "navigate"),
        ("sec-fetch-user", "?1"),
        ("sec-fetch-dest", "document"),
        ("accept-encoding", "gzip, deflate, br, zstd"),
        ("accept-language", "en-US,en;q=0.9"),
        ("priority", "u=0, i"),
    ]

    /// What proxyd's chrome profile sends instead of the headless capture: Google Chrome's identity.
    static let chromeHeaders: [(String, String)] = chromiumHeadlessHeaders.map { name, value in
        switch name {
        case "sec-ch-ua": return (name, #""Not:A-Brand";v="8", "Chromium";v="156", "Google Chrome";v="156""#)
        case "user-agent": return (name, value.replacingOccurrences(of: "HeadlessChrome/", with: "Chrome/"))
        default: return (name, value)
        }
    }

    func testAkamaiStringsMatchTheReferences() {
        for (name, akamai) in Self.referenceAkamai {
            XCTAssertEqual(BrowserProfile.named(name).http2.akamaiFingerprint, akamai, "\(name)")
        }
        XCTAssertNil(BrowserProfile.named(.openssl).fetch, "openssl forwards the client's headers")
        XCTAssertNil(BrowserProfile.named(.openssl).navigation)
        XCTAssertEqual(BrowserProfile.named(.openssl).http2.akamaiFingerprint, HTTP2Profile.neutral.akamaiFingerprint)
    }

    func testChromePriorityIsChromiumsExclusiveWeight256() throws {
        let priority = try XCTUnwrap(BrowserProfile.chrome.http2.priority)
        XCTAssertEqual(priority.weight, 256)
        XCTAssertTrue(priority.exclusive)
        XCTAssertNil(BrowserProfile.safari.http2.priority)
        XCTAssertEqual(BrowserProfile.firefox.http2.priority?.weight, 42)
    }

    func testChromeBareGETIsChromiumsNavigationWithChromesIdentity() {
        let sent = fields(.chrome, .navigation, http2: true, ("Host", "chatgpt.com"), ("Accept-Encoding", "gzip, deflate, br, zstd"))
        XCTAssertEqual(sent.map(\.0), Self.chromiumHeadlessHeaders.map(\.0), "header order")
        XCTAssertEqual(sent.map(\.1), Self.chromeHeaders.map(\.1), "header values")
    }

    func testClientSemanticsGoWhereChromeWouldPutThemAndItsIdentityIsReplaced() {
        let sent = fields(.chrome, .navigation, http2: true,
                          ("Host", "x"), ("User-Agent", "curl/8.0"), ("Authorization", "Bearer t"),
                          ("sec-ch-ua", "\"curl\""), ("Sec-Fetch-Mode", "cors"), ("Accept-Language", "fr"),
                          ("Cookie", "a=1"), ("Accept", "text/event-stream"), ("Content-Type", "application/json"),
                          ("OpenAI-Sentinel-Token", "s"), ("Content-Length", "2"), ("Connection", "keep-alive"))
        XCTAssertEqual(sent.map(\.0), [
            "content-length", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "upgrade-insecure-requests",
            "user-agent", "authorization", "openai-sentinel-token", "content-type", "accept", "sec-fetch-site",
            "sec-fetch-mode", "sec-fetch-user", "sec-fetch-dest", "accept-encoding", "accept-language", "cookie", "priority",
        ])
        let values = Dictionary(sent, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(values["user-agent"], Self.chromeHeaders[4].1)
        XCTAssertEqual(values["sec-ch-ua"], Self.chromeHeaders[0].1)
        XCTAssertEqual(values["sec-fetch-mode"], "navigate")
        XCTAssertEqual(values["accept-language"], "en-US,en;q=0.9")
        XCTAssertEqual(values["accept"], "text/event-stream")
        XCTAssertEqual(values["accept-encoding"], "gzip, deflate, br, zstd", "Chrome's, whatever the client sent")
    }

    func testHTTP1SpellingLeavesOutHTTP2OnlyHeadersAndContentLength() {
        let sent = fields(.chrome, .navigation, http2: false, ("Host", "x"), ("Content-Length", "2"), ("accept-encoding", "gzip"))
        XCTAssertEqual(sent.map(\.0), [
            "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "Upgrade-Insecure-Requests", "User-Agent", "Accept",
            "Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-User", "Sec-Fetch-Dest", "Accept-Encoding", "Accept-Language",
        ])
        XCTAssertEqual(sent[10].1, "gzip, deflate, br, zstd", "the client's gzip is not what Chrome sends")
    }

    func testFirefoxDropsChromiumClientHintsAndSendsTEOnlyOnHTTP2() {
        let h2 = fields(.firefox, .navigation, http2: true, ("Host", "x"), ("sec-ch-ua", "\"Chromium\""), ("sec-ch-ua-platform", "x"),
                        ("Authorization", "t"))
        XCTAssertEqual(h2.map(\.0), [
            "user-agent", "accept", "accept-language", "accept-encoding", "authorization", "upgrade-insecure-requests",
            "sec-fetch-dest", "sec-fetch-mode", "sec-fetch-site", "priority", "te",
        ])
        XCTAssertFalse(fields(.firefox, .navigation, http2: false, ("Host", "x")).contains { $0.0.lowercased() == "te" })
    }

    /// A proxied API call looks like the upstream site's own script calling it: CORS mode, empty destination,
    /// same-origin, with the upstream as the page, whatever page the client itself runs on.
    func testChromeAPICallIsASameOriginFetchFromTheUpstreamsPage() {
        let sent = fields(.chrome, .fetch, method: "POST", http2: true,
                          ("Host", "127.0.0.1:8080"), ("Content-Length", "2"), ("Content-Type", "application/json"),
                          ("Authorization", "Bearer t"), ("Origin", "http://localhost:3000"),
                          ("Referer", "http://localhost:3000/chat"), ("Accept", "text/event-stream"), ("OAI-Language", "en-US"))
        XCTAssertEqual(sent.map(\.0), [
            "content-length", "sec-ch-ua-platform", "authorization", "oai-language", "sec-ch-ua", "sec-ch-ua-mobile",
            "user-agent", "content-type", "accept", "origin", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest",
            "referer", "accept-encoding", "accept-language", "priority",
        ])
        let values = Dictionary(sent, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(values["origin"], "https://chatgpt.com")
        XCTAssertEqual(values["referer"], "https://chatgpt.com/")
        XCTAssertEqual(values["sec-fetch-site"], "same-origin")
        XCTAssertEqual(values["sec-fetch-mode"], "cors")
        XCTAssertEqual(values["sec-fetch-dest"], "empty")
        XCTAssertEqual(values["priority"], "u=1, i")
        XCTAssertEqual(values["accept"], "text/event-stream")
    }

    func testFetchGETSendsNoOriginAndAcceptsAnything() {
        for profile in [TLSProfileName.chrome, .edge, .safari, .firefox] {
            let sent = fields(profile, .fetch, http2: true, ("Host", "x"), ("Origin", "http://localhost:3000"))
            XCTAssertFalse(sent.contains { $0.0 == "origin" }, "\(profile): a same-origin GET has no Origin")
            XCTAssertTrue(sent.contains { $0 == ("accept", "*/*") }, "\(profile)")
            XCTAssertTrue(sent.contains { $0 == ("sec-fetch-mode", "cors") }, "\(profile)")
            XCTAssertTrue(sent.contains { $0 == ("referer", "https://chatgpt.com/") }, "\(profile)")
            XCTAssertFalse(sent.contains { $0.0 == "upgrade-insecure-requests" || $0.0 == "sec-fetch-user" }, "\(profile)")
        }
    }

    func testFirefoxFetchSpellsOriginAndRefererForHTTP1() {
        let sent = fields(.firefox, .fetch, method: "PATCH", http2: false, ("Host", "x"), ("Content-Length", "2"))
        XCTAssertEqual(sent.map(\.0), [
            "User-Agent", "Accept", "Accept-Language", "Accept-Encoding", "Referer", "Origin", "Sec-Fetch-Dest",
            "Sec-Fetch-Mode", "Sec-Fetch-Site", "Priority",
        ])
    }

    func testOpenSSLForwardsTheClientsFieldsAsSent() {
        let sent = fields(.openssl, .fetch, http2: true, ("Host", "x"), ("User-Agent", "curl/8.0"), ("Accept", "*/*"),
                          ("Connection", "close"), ("X-A", "1"))
        XCTAssertEqual(sent.map(\.0), ["user-agent", "accept", "x-a"])
    }

    func testUpstreamHTTP1HeadHasHostFirstAndFramingLast() {
        var out = IOBuffer()
        let head = request(("Host", "localhost"), ("Authorization", "t"), ("Content-Length", "2"))
        UpstreamRequestHead.write(head, method: "POST", target: "/v1/x", origin: UpstreamOrigin(secure: true, host: "api.openai.com", port: 443),
                                  plan: BrowserProfile.chrome.fetch, into: &out)
        let text = String(decoding: out.readable, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("POST /v1/x HTTP/1.1\r\nHost: api.openai.com\r\nsec-ch-ua-platform: "), text)
        XCTAssertTrue(text.contains("\r\nAuthorization: Bearer t\r\n"), text)
        XCTAssertTrue(text.contains("\r\nOrigin: https://api.openai.com\r\n"), text)
        XCTAssertTrue(text.hasSuffix("\r\nAccept-Language: en-US,en;q=0.9\r\nContent-Length: 2\r\n\r\n"), text)
    }

    // MARK: helpers

    private func request(_ fields: (String, String)...) -> RequestHead {
        requestHead(fields)
    }

    private func requestHead(_ fields: [(String, String)]) -> RequestHead {
        var framing = BodyFraming.none
        if let length = fields.first(where: { $0.0.lowercased() == "content-length" }).flatMap({ UInt64($0.1) }) {
            framing = .contentLength(length)
        }
        return RequestHead(method: "GET", target: "/", minorVersion: 1, fields: fields.map { HTTPField($0.0, $0.1) },
                           framing: framing, keepAlive: true, expectsContinue: false)
    }

    private enum PlanKind { case fetch, navigation }

    private func fields(_ profile: TLSProfileName, _ kind: PlanKind, method: String = "GET", http2: Bool,
                        _ client: (String, String)...) -> [(String, String)] {
        var sent: [(String, String)] = []
        let browser = BrowserProfile.named(profile)
        let plan = kind == .fetch ? browser.fetch : browser.navigation
        let origin = UpstreamOrigin(secure: true, host: "chatgpt.com", port: 443)
        UpstreamFields.forEach(requestHead(client), method: method, origin: origin, plan: plan, http2: http2) { field in
            switch field {
            case .profile(let name, let value): sent.append((name, value))
            // HTTP2Session lowercases client names as it copies them.
            case .client(let field): sent.append((http2 ? field.name.lowercased() : field.name, field.value))
            }
        }
        return sent
    }
}

extension HTTP2Profile {
    /// The Akamai HTTP/2 fingerprint of what this profile sends (SETTINGS | WINDOW_UPDATE | PRIORITY
    /// frames | pseudo-header order), the form the reference captures are written in. proxyd sends no
    /// PRIORITY frames, hence the fixed `0`. Only the tests compare profiles in this form; what the wire
    /// carries is checked by `proxyd fingerprint`'s parser.
    var akamaiFingerprint: String {
        let settingsText = settings.map { "\($0.id):\($0.value)" }.joined(separator: ";")
        let increment = Int(connectionWindow) - Int(Self.defaultWindow)
        let pseudo = pseudoHeaderOrder.map { String($0.rawValue) }.joined(separator: ",")
        return "\(settingsText)|\(increment)|0|\(pseudo)"
    }
}

/// What proxyd's chrome profile sends: Chrome 156's preface from
/// Tests/ProxyCoreTests/Fixtures/Fingerprints/chromium_headless.json and Google Chrome's identity (the capture's headless build names itself; see BrowserProfiles). Proxied routes are
/// API calls, so the headers are those of a script on the upstream's own site calling it (fetch), not the
/// capture's navigation; the navigation layout is checked against the capture in BrowserProfileTests.
enum ChromeReference {
    static let settings: [(id: Int, value: Int)] = [(1, 65536), (2, 0), (4, 6_291_456), (6, 262_144)]
    static let windowUpdate = 15_663_105
    static let pseudoHeaders = [":method", ":authority", ":scheme", ":path"]
    static let userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"

    /// A GET's headers after the pseudo-headers, in order, names as on HTTP/2: the client's fields
    /// (other than the ones Chrome places itself) go after sec-ch-ua-platform.
    static func fetchHeaders(page: String, client: [(name: String, value: String)]) -> [(name: String, value: String)] {
        [("sec-ch-ua-platform", #""Linux""#)] + client + [
            ("sec-ch-ua", #""Not:A-Brand";v="8", "Chromium";v="156", "Google Chrome";v="156""#),
            ("sec-ch-ua-mobile", "?0"),
            ("user-agent", userAgent),
            ("accept", "*/*"),
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "cors"),
            ("sec-fetch-dest", "empty"),
            ("referer", page),
            ("accept-encoding", "gzip, deflate, br, zstd"),
            ("accept-language", "en-US,en;q=0.9"),
            ("priority", "u=1, i"),
        ]
    }
}

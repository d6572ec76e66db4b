/// What Chrome 156 sends, from ../shared/fingerprints/chromium_headless.json, with the two headers that name
/// the headless build replaced by Google Chrome's (proxyd's chrome profile sends those; see BrowserProfiles).
enum ChromeReference {
    static let settings: [(id: Int, value: Int)] = [(1, 65536), (2, 0), (4, 6_291_456), (6, 262_144)]
    static let windowUpdate = 15_663_105
    static let pseudoHeaders = [":method", ":authority", ":scheme", ":path"]
    static let userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"

    /// A navigation GET's headers after the pseudo-headers, in order; names as on HTTP/2.
    static let headers: [(name: String, value: String)] = [
        ("sec-ch-ua", #""Not:A-Brand";v="8", "Chromium";v="156", "Google Chrome";v="156""#),
        ("sec-ch-ua-mobile", "?0"),
        ("sec-ch-ua-platform", #""Linux""#),
        ("upgrade-insecure-requests", "1"),
        ("user-agent", userAgent),
        ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/jxl,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"),
        ("sec-fetch-site", "none"),
        ("sec-fetch-mode", "navigate"),
        ("sec-fetch-user", "?1"),
        ("sec-fetch-dest", "document"),
        ("accept-encoding", "gzip, deflate, br, zstd"),
        ("accept-language", "en-US,en;q=0.9"),
        ("priority", "u=0, i"),
    ]

    /// `headers` with the client's fields of a request inserted where the chrome profile puts them.
    static func headers(withClientFieldsAfterUserAgent client: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var all = headers
        all.insert(contentsOf: client, at: 5)
        return all
    }
}

import Foundation
import XCTest

/// Every profile against nginx 1.22 on OpenSSL 3.0, a server no profile was tuned for (issue 4: no profile may
/// trade a working connection for a closer fingerprint). The ChatGPT side is a TLS 1.2+1.3 site, the platform
/// side a TLS 1.2-only one. Each profile sends a GET and a JSON POST to both, lets proxyd close its idle
/// upstream connections, and sends them again: nginx's access log must show HTTP/2, the expected TLS version,
/// the profile's User-Agent and the body, fresh sessions first and resumed ones on the new connections.
final class NginxInteropTests: XCTestCase {
    private struct Route {
        let site: NginxServer.Site
        let setting: String
        let getPath: String
        let postPath: String
    }

    private static let routes = [
        Route(site: .init(name: "tls13", tlsVersions: ["TLSv1.2", "TLSv1.3"]), setting: "PROXYD_CHATGPT_URL",
              getPath: "/chatgpt/backend-api/models", postPath: "/chatgpt/backend-api/conversation"),
        Route(site: .init(name: "tls12", tlsVersions: ["TLSv1.2"]), setting: "PROXYD_PLATFORM_URL",
              getPath: "/platform/v1/models", postPath: "/platform/v1/chat/completions"),
    ]

    /// What the client sends; only the `openssl` profile forwards it.
    private static let clientUserAgent = "itest-nginx-client"


    private static var server: Result<NginxServer, Error>?

    override class func setUp() {
        super.setUp()
        guard let executable = NginxServer.executable else { return }
        server = Result {
            try NginxServer(executable: executable, pki: try TestPKI.shared.get(), sites: routes.map(\.site))
        }
    }

    override class func tearDown() {
        if case .success(let nginx)? = server { nginx.stop() }
        server = nil
        super.tearDown()
    }

    func testChrome() throws { try exercise(profile: "chrome", userAgent: ChromeReference.userAgent) }

    func testEdge() throws {
        try exercise(profile: "edge", userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            + "(KHTML, like Gecko) Chrome/101.0.4951.64 Safari/537.36 Edg/101.0.1210.47")
    }

    func testSafari() throws {
        try exercise(profile: "safari", userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
            + "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/27.0 Safari/605.1.15")
    }

    func testFirefox() throws {
        try exercise(profile: "firefox", userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0")
    }

    func testOkHttp() throws { try exercise(profile: "okhttp", userAgent: "okhttp/4.12.0") }

    func testOpenSSL() throws { try exercise(profile: "openssl", userAgent: Self.clientUserAgent) }

    private func exercise(profile: String, userAgent: String) throws {
        guard let server = Self.server else { throw XCTSkip("nginx is not installed (apt nginx)") }
        let nginx = try server.get()
        let pki = try TestPKI.shared.get()
        var settings = ProxydProcess.baseSettings(pki: pki).merging([
            "PROXYD_TLS_PROFILE": profile,
            // Short: the second round waits for the first round's upstream connections to be closed.
            "PROXYD_UPSTREAM_IDLE_CLOSE": "0.2",
            // One worker, one pool: each round reaches a site over one upstream connection, one session.
            "PROXYD_WORKERS": "1",
        ]) { $1 }
        for route in Self.routes {
            settings[route.setting] = "https://localhost:\(nginx.ports[route.site.name] ?? 0)"
        }
        let proxyd = try ProxydProcess(settings: settings)
        let earlierLogLines = nginx.errorLogLines.count
        for round in 1...2 {
            if round > 1 { try nginx.waitUntilSitesIdle(timeout: 5) }
            for route in Self.routes {
                try send(route: route, round: round, profile: profile, userAgent: userAgent, proxyd: proxyd)
            }
        }
        let log = proxyd.logTail()
        XCTAssertTrue(proxyd.stop(), "\(profile): proxyd died. Log tail:\n\(log)")

        // A client closing an idle connection is routine; anything else (a handshake given up, an HTTP/2
        // protocol error) is nginx complaining about proxyd.
        let complaints = nginx.errorLogLines.dropFirst(earlierLogLines).filter {
            !$0.contains("client closed") || $0.contains("handshaking")
        }
        XCTAssertEqual(complaints, [], profile)

        try assertAccessLog(of: nginx, profile: profile, userAgent: userAgent)
    }

    /// Every request arrived over HTTP/2 and the site's highest TLS version, fresh sessions on the first round's
    /// connections and resumed ones on the second's.
    private func assertAccessLog(of nginx: NginxServer, profile: String, userAgent: String) throws {
        let seen = try nginx.loggedRequests().filter { $0.uri.contains("profile=\(profile)&") }
        XCTAssertEqual(seen.count, 4 * Self.routes.count, "\(profile): nginx logged \(seen.map(\.uri))")
        for route in Self.routes {
            let label = "\(profile) → \(route.site.name)"
            let atSite = seen.filter { $0.site == route.site.name }
            for request in atSite {
                let label = "\(label) (\(request.tlsVersion) \(request.cipher) \(request.curve))"
                XCTAssertEqual(request.status, "200", label)
                XCTAssertEqual(request.serverProtocol, "HTTP/2.0", label)
                XCTAssertEqual(request.tlsVersion, route.site.tlsVersions.last, "\(label): the highest both speak")
                XCTAssertEqual(request.userAgent, userAgent, label)
                XCTAssertEqual(request.body, request.method == "POST" ? Self.postBody(round: round(of: request)) : "",
                               label)
            }
            let first = atSite.filter { round(of: $0) == 1 }
            let second = atSite.filter { round(of: $0) == 2 }
            XCTAssertEqual(first.map(\.sessionReused), [".", "."], "\(label): a new proxyd has no session to resume")
            XCTAssertEqual(second.map(\.sessionReused), ["r", "r"], "\(label): the second connection resumes")
            XCTAssertTrue(Set(first.map(\.connection)).isDisjoint(with: second.map(\.connection)),
                          "\(label): the second round must use a new upstream connection")
        }
    }

    /// A GET and a JSON POST on one client connection, both relayed with nginx's echo headers.
    private func send(route: Route, round: Int, profile: String, userAgent: String, proxyd: ProxydProcess) throws {
        let label = "\(profile) → \(route.site.name), round \(round)"
        let query = "?profile=\(profile)&round=\(round)"
        let connection = try RawHTTPConnection(port: proxyd.port, timeout: 10)
        let headers = [RequestBuilder.defaultAuthorization, ("User-Agent", Self.clientUserAgent)]
        try connection.send(RequestBuilder.build("GET", route.getPath + query, headers: headers))
        let get = try connection.readResponse()
        XCTAssertEqual(get.status, 200, "\(label): \(get.bodyText.prefix(300)) log:\n\(proxyd.logTail())")
        XCTAssertEqual(get.bodyText, #"{"site":"\#(route.site.name)","method":"GET"}"#, label)
        XCTAssertEqual(get.header("x-seen-ua"), userAgent, label)

        let body = Self.postBody(round: round)
        try connection.send(RequestBuilder.build("POST", route.postPath + query,
                                                 headers: headers + [("Content-Type", "application/json")],
                                                 body: Array(body.utf8)))
        let post = try connection.readResponse(method: "POST")
        XCTAssertEqual(post.status, 200, "\(label): \(post.bodyText.prefix(300)) log:\n\(proxyd.logTail())")
        XCTAssertEqual(post.bodyText, #"{"site":"\#(route.site.name)","method":"POST"}"#, label)
        XCTAssertEqual(post.header("x-seen-ua"), userAgent, label)
        XCTAssertEqual(post.header("x-seen-body"), body, label)
    }

    private static func postBody(round: Int) -> String {
        #"{"model":"gpt-4o","messages":[{"role":"user","content":"round \#(round)"}]}"#
    }

    private func round(of request: NginxServer.LoggedRequest) -> Int {
        request.uri.hasSuffix("round=2") ? 2 : 1
    }
}

@testable import ProxyCore
import XCTest

final class LoginCookieJarTests: XCTestCase {
    private var clock: Int64 = 1_700_000_000
    private lazy var jar = CookieJar { [unowned self] in clock }

    private func url(_ text: String) -> FlowURL {
        guard let url = FlowURL(text) else { fatalError("bad test URL \(text)") }
        return url
    }

    func testHostOnlyCookieStaysOnItsHost() {
        jar.store("a=1", from: url("https://auth.example.com/login"))
        XCTAssertEqual(jar.cookieHeader(for: url("https://auth.example.com/")), "a=1")
        XCTAssertNil(jar.cookieHeader(for: url("https://sub.auth.example.com/")))
        XCTAssertNil(jar.cookieHeader(for: url("https://example.com/")))
    }

    func testDomainCookieReachesSubdomainsButNotOtherSites() {
        jar.store("d=1; Domain=.example.com; Path=/", from: url("https://auth.example.com/"))
        XCTAssertEqual(jar.cookieHeader(for: url("https://chat.example.com/x")), "d=1")
        XCTAssertEqual(jar.cookieHeader(for: url("https://example.com/")), "d=1")
        XCTAssertNil(jar.cookieHeader(for: url("https://badexample.com/")))
    }

    func testDomainThatDoesNotMatchTheHostIsRefused() {
        jar.store("x=1; Domain=other.com", from: url("https://auth.example.com/"))
        XCTAssertEqual(jar.count, 0)
        jar.store("y=1; Domain=1.0.0.1", from: url("https://127.0.0.1/"))
        XCTAssertEqual(jar.count, 0, "no domain matching for IP addresses")
    }

    func testDefaultPathAndPathMatching() {
        jar.store("p=1", from: url("https://h.test/api/auth/csrf"))
        XCTAssertEqual(jar.cookieHeader(for: url("https://h.test/api/auth/session")), "p=1")
        XCTAssertEqual(jar.cookieHeader(for: url("https://h.test/api/auth")), "p=1")
        XCTAssertNil(jar.cookieHeader(for: url("https://h.test/api/authx")))
        XCTAssertNil(jar.cookieHeader(for: url("https://h.test/")))
        jar.store("r=1; Path=relative", from: url("https://h.test/one"))
        XCTAssertEqual(jar.cookieHeader(for: url("https://h.test/")), "r=1", "a path not starting with / takes the default")
    }

    func testLongerPathsFirstThenOlderFirst() {
        let site = url("https://h.test/")
        jar.store("b=1; Path=/", from: site)
        jar.store("a=2; Path=/", from: site)
        jar.store("deep=3; Path=/api/auth", from: site)
        XCTAssertEqual(jar.cookieHeader(for: url("https://h.test/api/auth/session")), "deep=3; b=1; a=2")
    }

    func testReplacingKeepsTheOriginalPosition() {
        let site = url("https://h.test/")
        jar.store("a=1", from: site)
        jar.store("b=1", from: site)
        jar.store("a=2", from: site)
        XCTAssertEqual(jar.cookieHeader(for: site), "a=2; b=1")
    }

    func testSecureCookiesOnlyOverHTTPSAndOnlyFromHTTPS() {
        jar.store("s=1; Secure", from: url("https://h.test/"))
        XCTAssertNil(jar.cookieHeader(for: url("http://h.test/")))
        XCTAssertEqual(jar.cookieHeader(for: url("https://h.test/")), "s=1")
        jar.store("t=1; Secure", from: url("http://other.test/"))
        XCTAssertNil(jar.cookieHeader(for: url("https://other.test/")))
    }

    func testMaxAgeExpiresAndWinsOverExpires() {
        let site = url("https://h.test/")
        jar.store("m=1; Max-Age=10; Expires=Thu, 01 Jan 1970 00:00:00 GMT", from: site)
        XCTAssertEqual(jar.cookieHeader(for: site), "m=1")
        clock += 10
        XCTAssertNil(jar.cookieHeader(for: site))
    }

    func testExpiresInThePastOrMaxAgeZeroDeletes() {
        let site = url("https://h.test/")
        jar.store("a=1", from: site)
        jar.store("b=1", from: site)
        jar.store("a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", from: site)
        jar.store("b=; Max-Age=0", from: site)
        XCTAssertNil(jar.cookieHeader(for: site))
        XCTAssertEqual(jar.count, 0)
    }

    func testExpiresInTheFutureIsKeptUntilThen() {
        let site = url("https://h.test/")
        // 2023-11-14 22:13:20 UTC is 1_700_000_000.
        jar.store("e=1; expires=Tue, 14-Nov-2023 22:13:30 GMT; HttpOnly", from: site)
        XCTAssertEqual(jar.cookieHeader(for: site), "e=1")
        clock += 10
        XCTAssertNil(jar.cookieHeader(for: site))
    }

    func testCookieDateForms() {
        XCTAssertEqual(CookieDate.parse("Tue, 14 Nov 2023 22:13:20 GMT"), 1_700_000_000)
        XCTAssertEqual(CookieDate.parse("Tuesday, 14-Nov-23 22:13:20 GMT"), 1_700_000_000)
        XCTAssertEqual(CookieDate.parse("Tue Nov 14 22:13:20 2023"), 1_700_000_000)
        XCTAssertEqual(CookieDate.parse("Thu, 01 Jan 1970 00:00:00 GMT"), 0)
        XCTAssertNil(CookieDate.parse("Tue, 32 Nov 2023 22:13:20 GMT"))
        XCTAssertNil(CookieDate.parse("yesterday"))
        XCTAssertNil(CookieDate.parse("Tue, 14 Nov 2023 25:13:20 GMT"))
    }

    func testMalformedSetCookieIsIgnored() {
        let site = url("https://h.test/")
        for bad in ["", "novalue", "=1", "; a=1", String(repeating: "x", count: 9000) + "=1"] {
            jar.store(bad, from: site)
        }
        XCTAssertEqual(jar.count, 0)
        jar.store("ok=1; Max-Age=99999999999999999999999; Domain=; Path=", from: site)
        XCTAssertEqual(jar.cookieHeader(for: site), "ok=1", "absurd attribute values must not trap")
    }

    func testAnUpstreamCannotGrowTheJarWithoutBound() {
        let site = url("https://h.test/")
        for index in 0..<1000 { jar.store("c\(index)=1", from: site) }
        XCTAssertEqual(jar.count, CookieJar.maxCookies)
    }

    func testStoresEverySetCookieOfAResponse() {
        let response = FlowResponse(status: 302, fields: [HTTPField("Set-Cookie", "a=1"), HTTPField("location", "/"),
                                                          HTTPField("set-cookie", "b=2")])
        jar.store(response, from: url("https://h.test/"))
        XCTAssertEqual(jar.cookieHeader(for: url("https://h.test/")), "a=1; b=2")
    }
}

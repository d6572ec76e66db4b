import XCTest
@testable import ProxyCore

final class AccountStateTests: XCTestCase {
    private let site = UpstreamOrigin(secure: true, host: "chatgpt.com", port: 443)

    /// An unsigned JWT with OpenAI's auth claim, as the tests' tokens are shaped.
    private func token(account: String?, user: String?, salt: String = "") -> String {
        var auth: [String] = []
        if let account { auth.append("\"chatgpt_account_id\":\"\(account)\"") }
        if let user { auth.append("\"user_id\":\"\(user)\"") }
        let payload = "{\"https://api.openai.com/auth\":{\(auth.joined(separator: ","))},\"iat\":\"\(salt)\"}"
        let encoded = Base64.encode(Array(payload.utf8)).replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return "Bearer eyJhbGciOiJub25lIn0.\(encoded).sig"
    }

    func testUUIDVersion5MatchesRFC9562() {
        let dns: [UInt8] = [0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8]
        XCTAssertEqual(UUIDText.version5(namespace: dns, name: "www.example.com"), "2ed6657d-e927-568b-95e1-2665a8aea6a2")
        let random = UUIDText.version4()
        XCTAssertEqual(random.count, 36)
        XCTAssertEqual(Array(random)[14], "4")
        XCTAssertTrue("89ab".contains(Array(random)[19]), random)
        XCTAssertNotEqual(random, UUIDText.version4())
    }

    func testDeviceIDFollowsTheAccountAndStateFollowsTheToken() {
        let first = AccountIdentity(authorization: token(account: "acc-1", user: "user-1", salt: "a"))
        let renewed = AccountIdentity(authorization: token(account: "acc-1", user: "user-1", salt: "b"))
        let teammate = AccountIdentity(authorization: token(account: "acc-1", user: "user-2"))
        // A renewed token keeps the device id, as a browser does, but never the previous token's state.
        XCTAssertEqual(first.deviceID, renewed.deviceID)
        XCTAssertNotEqual(first.tokenDigest, renewed.tokenDigest)
        // Two people of one workspace are two browsers.
        XCTAssertNotEqual(first.deviceID, teammate.deviceID)
        // `Bearer ` or not, the same token is the same identity.
        let bare = token(account: "acc-1", user: "user-1", salt: "a").dropFirst("Bearer ".count)
        XCTAssertEqual(AccountIdentity(authorization: String(bare)), first)
    }

    func testATokenWithoutClaimsGetsADeviceIDFromItsDigest() {
        let opaque = AccountIdentity(authorization: "Bearer sk-not-a-jwt")
        XCTAssertEqual(opaque, AccountIdentity(authorization: "Bearer sk-not-a-jwt"))
        XCTAssertNotEqual(opaque.deviceID, AccountIdentity(authorization: "Bearer sk-other").deviceID)
        XCTAssertNil(AccountIdentity.accountName("a.!!!.c"))
        XCTAssertNil(AccountIdentity.accountName("a.e30.c"))  // {}: no auth claim
    }

    func testANewAccountCarriesItsDeviceCookie() {
        let identity = AccountIdentity(authorization: token(account: "acc-1", user: nil))
        let account = ChatGPTAccount(identity, site: site, now: 0)
        XCTAssertEqual(account.jar.cookieHeader(for: FlowURL(site, "/backend-api/f/conversation")),
                       "oai-did=" + identity.deviceID)
        XCTAssertTrue(account.needsBootstrap)
        account.bootstrapped(epochMs: 1_780_000_000_000.5, now: 1000)
        XCTAssertFalse(account.needsBootstrap)
        XCTAssertEqual(account.performanceNow(1250), 250)
    }

    func testAccountsAreBoundedAndExpire() {
        let accounts = ChatGPTAccounts(limit: 2, idleMs: 1000, site: site)
        let a = AccountIdentity(authorization: "Bearer a"), b = AccountIdentity(authorization: "Bearer b")
        let c = AccountIdentity(authorization: "Bearer c")
        let first = accounts.account(for: a, now: 0)
        XCTAssertTrue(accounts.account(for: a, now: 10) === first)
        _ = accounts.account(for: b, now: 20)
        _ = accounts.account(for: a, now: 30)
        // Full: the least recently used (b) goes.
        _ = accounts.account(for: c, now: 40)
        XCTAssertEqual(accounts.count, 2)
        XCTAssertTrue(accounts.account(for: a, now: 50) === first)
        XCTAssertFalse(accounts.account(for: b, now: 60).jar === first.jar)
        // Idle past the expiry: a fresh state, with the same device id.
        let later = accounts.account(for: a, now: 2000)
        XCTAssertFalse(later === first)
        XCTAssertEqual(later.identity.deviceID, first.identity.deviceID)
    }

    func testBuildIsStaleWhenMissingOldOrInvalidated() {
        var build = ChatGPTBuild()
        XCTAssertTrue(build.isStale(now: 0))
        build.update("prod-abc", now: 100)
        XCTAssertFalse(build.isStale(now: 100 + ChatGPTSite.buildMaxAgeMs - 1))
        XCTAssertTrue(build.isStale(now: 100 + ChatGPTSite.buildMaxAgeMs))
        build.markStale()
        XCTAssertTrue(build.isStale(now: 101))
        XCTAssertEqual(build.id, "prod-abc", "turns under way keep the id they started with")
        build.update("prod-def", now: 102)
        XCTAssertFalse(build.isStale(now: 103))
    }

    func testDateTextIsJavaScriptsDateString() {
        // 2026-12-01T10:04:05Z was a Tuesday.
        XCTAssertEqual(BrowserClock.dateText(epochSeconds: 1_796_119_445),
                       "Tue Dec 01 2026 10:04:05 GMT+0000 (Coordinated Universal Time)")
        XCTAssertEqual(BrowserClock.dateText(epochSeconds: 0), "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)")
        XCTAssertTrue(BrowserClock.dateText(epochSeconds: 951_782_400).hasPrefix("Tue Feb 29 2000 "))
    }
}

extension AccountStateTests {
    /// Each worker keeps its own state for a token, but every worker must send the same session id.
    func testSessionIDsAreOnePerTokenAndRun() {
        let a = AccountIdentity(authorization: "Bearer a"), b = AccountIdentity(authorization: "Bearer b")
        let onOneWorker = ChatGPTAccount(a, site: site, now: 0), onAnother = ChatGPTAccount(a, site: site, now: 5)
        XCTAssertEqual(onOneWorker.sessionID, onAnother.sessionID)
        XCTAssertNotEqual(onOneWorker.sessionID, ChatGPTAccount(b, site: site, now: 0).sessionID)
        XCTAssertEqual(Array(onOneWorker.sessionID)[14], "5")
    }

    /// A full table drops its oldest eighth at once, so fresh tokens cost one scan per eighth of the table.
    func testAFullTableMakesRoomForAnEighthAtOnce() {
        let accounts = ChatGPTAccounts(limit: 16, idleMs: 1_000_000, site: site)
        for n in 0..<16 { _ = accounts.account(for: AccountIdentity(authorization: "Bearer \(n)"), now: UInt64(n)) }
        XCTAssertEqual(accounts.count, 16)
        _ = accounts.account(for: AccountIdentity(authorization: "Bearer new"), now: 100)
        XCTAssertEqual(accounts.count, 15, "the two oldest went, the new one came")
        let kept = accounts.account(for: AccountIdentity(authorization: "Bearer 15"), now: 101)
        XCTAssertEqual(kept.lastUsed, 101)
        XCTAssertEqual(accounts.count, 15, "a recent account is still there")
    }
}


import XCTest

/// A fresh upstream fixture for each test, and proxyd processes a test starts on it with settings of its own
/// (for tests that need a proxyd per test rather than `ProxydTestCase`'s one per class).
class FixtureTestCase: XCTestCase {
    private(set) var pki: TestPKI!
    private(set) var fixture: UpstreamFixture!

    override func setUpWithError() throws {
        pki = try TestPKI.shared.get()
        fixture = try UpstreamFixture.trusted(pki)
    }

    override func tearDown() {
        fixture?.shutdown()
    }

    /// proxyd with both upstream sides on the fixture.
    func startProxyd(_ settings: [String: String] = [:]) throws -> ProxydProcess {
        try ProxydProcess(settings: ProxydProcess.baseSettings(pki: pki).merging([
            "PROXYD_CHATGPT_URL": fixture.baseURL, "PROXYD_PLATFORM_URL": fixture.baseURL,
        ]) { $1 }.merging(settings) { $1 })
    }
}

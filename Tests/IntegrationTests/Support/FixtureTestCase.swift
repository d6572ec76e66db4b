import XCTest

/// A test class whose tests each get a fresh HTTPS upstream fixture (and start what they need against it).
class FixtureTestCase: XCTestCase {
    var pki: TestPKI!
    var fixture: UpstreamFixture!

    override func setUpWithError() throws {
        try super.setUpWithError()
        pki = try TestPKI.shared.get()
        fixture = try UpstreamFixture.trusted(pki)
    }

    override func tearDown() {
        fixture?.shutdown()
        super.tearDown()
    }
}

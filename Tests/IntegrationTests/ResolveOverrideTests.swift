import XCTest

/// PROXYD_RESOLVE: an upstream host name no DNS server knows reaches the fixture at the address given for it,
/// with TLS verified against that name and the name, not the address, in Host.
final class ResolveOverrideTests: XCTestCase {
    func testMadeUpUpstreamNameIsDialedAtTheConfiguredAddress() throws {
        let pki = try TestPKI.shared.get()
        let fixture = try UpstreamFixture.trusted(pki)
        defer { fixture.shutdown() }
        let name = TestPKI.madeUpHostName
        let authority = "\(name):\(fixture.port)"
        let proxyd = try ProxydProcess(settings: ProxydProcess.baseSettings(pki: pki).merging([
            "PROXYD_CHATGPT_URL": "https://\(authority)",
            "PROXYD_PLATFORM_URL": fixture.baseURL,
            "PROXYD_RESOLVE": "\(authority):127.0.0.1",
        ]) { $1 })
        defer { _ = proxyd.stop() }

        // Twice: the second request may take the pooled connection or the resolver's cache; both must hold.
        for index in 0..<2 {
            let connection = try RawHTTPConnection(port: proxyd.port, timeout: 10)
            try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/resolved/\(index)"))
            let response = try connection.readResponse()
            XCTAssertEqual(response.status, 200, "\(response.bodyText)\nLog tail:\n\(proxyd.logTail())")
            let upstream = try XCTUnwrap(fixture.recorder.waitForRequest { $0.path == "/backend-api/resolved/\(index)" },
                                         "request \(index) did not reach the fixture")
            XCTAssertEqual(upstream.headerValues("host"), [authority])
        }
        XCTAssertTrue(proxyd.isRunning)
    }
}

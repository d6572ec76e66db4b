import Dispatch
import XCTest

/// RFC 8305 connection racing against the fixture, with PROXYD_RESOLVE giving a made-up name several
/// addresses in a chosen order: the first is dead in one of two ways, the second is the fixture.
final class HappyEyeballsTests: ProxydTestCase {
    private func timedGet(addresses: [String]) throws -> (RawResponse, Double, ProxydProcess) {
        let authority = "\(TestPKI.madeUpHostName):\(env.chatgpt.port)"
        let proxyd = try ProxydProcess(settings: ProxydProcess.baseSettings(pki: env.pki).merging([
            "PROXYD_CHATGPT_URL": "https://\(authority)", "PROXYD_PLATFORM_URL": env.platform.baseURL,
            "PROXYD_RESOLVE": addresses.map { "\(authority):\($0)" }.joined(separator: ","),
        ]) { $1 })
        let connection = try RawHTTPConnection(port: proxyd.port, timeout: 10)
        let started = DispatchTime.now().uptimeNanoseconds
        try connection.send(RequestBuilder.build("GET", "/chatgpt/models"))
        let response = try connection.readResponse()
        return (response, Self.monotonicSeconds(DispatchTime.now().uptimeNanoseconds - started), proxyd)
    }

    /// A refused address does not hold up the next one for the attempt delay.
    func testARefusedAddressIsSkippedAtOnce() throws {
        let (response, _, proxyd) = try timedGet(addresses: ["127.0.0.3", "127.0.0.1"])
        XCTAssertEqual(response.status, 200, "\(response.bodyText)\n\(proxyd.logTail())")
    }

    /// An address that never answers: the next attempt starts 250 ms later and wins, long before
    /// PROXYD_CONNECT_TIMEOUT (10 s).
    func testAnAddressThatNeverAnswersIsRacedAfterTheAttemptDelay() throws {
        let blackhole = try SilentListener.unreachable(host: "127.0.0.2", port: env.chatgpt.port)
        let (response, elapsed, proxyd) = try timedGet(addresses: ["127.0.0.2", "127.0.0.1"])
        XCTAssertEqual(response.status, 200, "\(response.bodyText)\n\(proxyd.logTail())")
        XCTAssertGreaterThanOrEqual(elapsed, 0.2, "the second attempt waits for the attempt delay")
        XCTAssertLessThan(elapsed, 3, "the second attempt must not wait for the first to time out")
        withExtendedLifetime(blackhole) {}
    }
}

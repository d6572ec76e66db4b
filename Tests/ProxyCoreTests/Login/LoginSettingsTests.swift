@testable import ProxyCore
import XCTest

final class LoginSettingsTests: XCTestCase {
    func testDefaults() throws {
        let configuration = try Configuration.load([:])
        XCTAssertEqual(configuration.loginTimeoutMs, 30_000)
        XCTAssertEqual(configuration.maxLoginsPerWorker, 64)
        let origins = LoginOrigins(configuration)
        XCTAssertEqual(origins.auth.host, "auth0.openai.com")
        XCTAssertEqual(origins.platformWeb.host, "platform.openai.com")
    }

    func testValuesAndBadValues() throws {
        let configuration = try Configuration.load(["PROXYD_LOGIN_TIMEOUT": "2.5", "PROXYD_MAX_LOGINS_PER_WORKER": "3"])
        XCTAssertEqual(configuration.loginTimeoutMs, 2500)
        XCTAssertEqual(configuration.maxLoginsPerWorker, 3)
        for bad in [["PROXYD_LOGIN_TIMEOUT": "0"], ["PROXYD_MAX_LOGINS_PER_WORKER": "0"],
                    ["PROXYD_MAX_LOGINS_PER_WORKER": "-1"], ["PROXYD_MAX_LOGINS_PER_WORKER": "99999999999999999999"]] {
            XCTAssertThrowsError(try Configuration.load(bad), "\(bad)")
        }
    }
}

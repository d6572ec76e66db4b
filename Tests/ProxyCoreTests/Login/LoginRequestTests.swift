@testable import ProxyCore
import XCTest

final class LoginRequestTests: XCTestCase {
    private func parse(_ text: String) -> Result<LoginRequest, ProxyError> { LoginRequest.parse(Array(text.utf8)) }

    func testValidBody() throws {
        let request = try parse(#"{"username":"u@example.com","password":"p\"w","extra":[1]}"#).get()
        XCTAssertEqual(request.username, "u@example.com")
        XCTAssertEqual(request.password, "p\"w")
    }

    func testBadBodiesAre400() {
        let bad = ["", "not json", "[]", "\"x\"", "{}", #"{"username":"u"}"#, #"{"password":"p"}"#,
                   #"{"username":"u","password":1}"#, #"{"username":"","password":"p"}"#, #"{"username":"u","password":"p""#]
        for text in bad {
            guard case .failure(let error) = parse(text) else { return XCTFail("accepted \(text)") }
            XCTAssertEqual(error.status, 400, text)
        }
    }

    func testHugeBodyIs400() {
        let padding = String(repeating: " ", count: LoginRequest.maxBodyBytes)
        guard case .failure(let error) = parse(#"{"username":"u","password":"p"}"# + padding) else {
            return XCTFail("accepted a body over the limit")
        }
        XCTAssertEqual(error.status, 400)
        XCTAssertTrue(error.message.contains("larger than"), error.message)
    }

    func testDescriptionsHideTheCredentials() throws {
        let request = try parse(#"{"username":"u@example.com","password":"hunter2"}"#).get()
        for text in [String(describing: request), String(reflecting: request), "\(request)"] {
            XCTAssertFalse(text.contains("hunter2"), text)
            XCTAssertFalse(text.contains("u@example.com"), text)
        }
        var dumped = ""
        dump(request, to: &dumped)
        XCTAssertFalse(dumped.contains("hunter2"), dumped)
    }

    func testLoginSlotsBoundConcurrentLogins() {
        let slots = LoginSlots(limit: 2)
        XCTAssertTrue(slots.acquire())
        XCTAssertTrue(slots.acquire())
        XCTAssertFalse(slots.acquire())
        slots.release()
        XCTAssertTrue(slots.acquire())
        XCTAssertEqual(LoginSlots.exhausted, ProxyError(503, "too many logins in progress"))
    }
}

final class LoginRedactionTests: XCTestCase {
    func testFlowMessagesDescribeNoSecrets() throws {
        let url = try XCTUnwrap(FlowURL("https://auth.test/cb?code=SECRETCODE"))
        let request = FlowRequest("POST", url, kind: .api, fields: [HTTPField("authorization", "Bearer SECRETTOKEN"),
                                                                    HTTPField("cookie", "s=SECRETCOOKIE")],
                                  body: Array("password=SECRETPW".utf8))
        let response = FlowResponse(status: 200, fields: [HTTPField("set-cookie", "s=SECRETCOOKIE")],
                                    body: Array(#"{"accessToken":"SECRETTOKEN"}"#.utf8))
        var dumped = ""
        dump(request, to: &dumped)
        dump(response, to: &dumped)
        for text in [String(describing: request), String(reflecting: request), String(describing: response),
                     String(reflecting: response), String(describing: url), dumped] {
            XCTAssertFalse(text.contains("SECRET"), text)
        }
        XCTAssertEqual(String(describing: url), "https://auth.test/cb?…")
    }
}

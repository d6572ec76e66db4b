import XCTest
@testable import ProxyCore

final class ImitateErrorTests: XCTestCase {
    private func error(_ json: String) throws -> JSONValue {
        try XCTUnwrap(JSONObjectReader.value(Array(json.utf8))?["error"], json)
    }

    func testTheShapeIsOpenAIsWithNulls() throws {
        let body = try error(ImitateError(status: 503, message: "down").json)
        guard case .object(let members) = body else { return XCTFail("no object") }
        XCTAssertEqual(members.map(\.name), ["message", "type", "param", "code"])
        XCTAssertEqual(body["message"]?.string, "down")
        XCTAssertEqual(body["type"]?.string, "server_error")
        guard case .null? = body["param"], case .null? = body["code"] else { return XCTFail("param, code") }
    }

    func testAFieldsRefusalNamesIt() throws {
        let refusal = ImitateError.invalid("Say \"why\"\nhere", param: "temperature", code: "unsupported_parameter")
        XCTAssertEqual(refusal.status, 400)
        let body = try error(refusal.json)
        XCTAssertEqual(body["message"]?.string, "Say \"why\"\nhere")
        XCTAssertEqual(body["type"]?.string, "invalid_request_error")
        XCTAssertEqual(body["param"]?.string, "temperature")
        XCTAssertEqual(body["code"]?.string, "unsupported_parameter")
    }

    func testTypesFollowTheStatus() {
        let expected = [400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                        404: "not_found_error", 413: "invalid_request_error", 429: "rate_limit_error",
                        500: "server_error", 502: "server_error", 503: "server_error", 504: "server_error"]
        for (status, type) in expected {
            XCTAssertEqual(ImitateError(status: status, message: "x").type, type, String(status))
        }
    }

    func testProxydsOwnErrorsKeepStatusAndMessage() throws {
        let mapped = ImitateError(ProxyError(504, "sentinel prepare: upstream timed out"))
        XCTAssertEqual(mapped, ImitateError(status: 504, message: "sentinel prepare: upstream timed out",
                                            type: "server_error"))
        let body = try error(mapped.json)
        XCTAssertEqual(body["message"]?.string, "sentinel prepare: upstream timed out")
        XCTAssertEqual(ImitateError(ProxyError(401, "no token")).type, "authentication_error")
    }
}

import XCTest

/// Issue 10, the smaller findings: request fields proxyd used to forward that an upstream could read differently
/// from proxyd (a second Authorization, framing lookalikes beside proxyd's own framing) and a field too large for
/// common servers. Each is answered by proxyd itself, reaches no upstream, and proxyd keeps serving.
final class RequestFieldRefusalTests: ProxydTestCase {
    private func headsSeen() -> Int { env.chatgpt.recorder.headCount + env.platform.recorder.headCount }

    /// Sends `bytes` on a new connection and checks proxyd's own answer and that no upstream saw a head.
    @discardableResult
    private func assertRefused(_ bytes: [UInt8], status: Int, messageContains fragments: [String],
                               file: StaticString = #filePath, line: UInt = #line) throws -> RawHTTPConnection {
        let heads = headsSeen()
        let connection = try connect(timeout: 5)
        try? connection.send(bytes)
        let response = try connection.readResponse()
        assertProxydError(response, status: status, messageContains: fragments, file: file, line: line)
        XCTAssertEqual(headsSeen(), heads, "the refused request reached an upstream", file: file, line: line)
        assertStillServing(file: file, line: line)
        return connection
    }

    /// On main: relayed, 200 from the upstream.
    func testTwoAuthorizationFieldsAre400() throws {
        try assertRefused(RequestBuilder.build("GET", "/chatgpt/backend-api/models",
                                               headers: [("Authorization", "Bearer first"), ("Authorization", "Bearer second")]),
                          status: 400, messageContains: ["Authorization"])
    }

    /// On main: relayed to the HTTP/1.1 upstream beside proxyd's `Content-Length: 2`, 200 from the upstream.
    func testTransferEncodingWithAnUnderscoreIs400() throws {
        try assertRefused(RequestBuilder.build("POST", "/chatgpt/backend-api/conversation",
                                               headers: [RequestBuilder.defaultAuthorization, ("Transfer_Encoding", "chunked")],
                                               body: Array("{}".utf8)),
                          status: 400, messageContains: ["Transfer_Encoding"])
    }

    /// On main: relayed to the HTTP/1.1 upstream beside proxyd's `Content-Length: 2`, 200 from the upstream.
    func testChunkedContentEncodingIs400() throws {
        try assertRefused(RequestBuilder.build("POST", "/chatgpt/backend-api/conversation",
                                               headers: [RequestBuilder.defaultAuthorization, ("Content-Encoding", "chunked")],
                                               body: Array("{}".utf8)),
                          status: 400, messageContains: ["chunked"])
    }

    /// A field's name and value over 8192 bytes (nginx's default buffer) is 431; at 8192 it is forwarded whole.
    /// On main: the 8193-byte field was relayed (200 from the upstream). The refusal closes the connection, as every head error
    /// does (the answer arrives whole first); proxyd keeps serving everyone else.
    func testFieldOverEightKilobytesIs431AndOneAtTheBoundIsForwarded() throws {
        let name = "X-Big"
        let fits = String(repeating: "f", count: 8192 - name.utf8.count)
        let response = try request("GET", "/chatgpt/backend-api/models", headers: [RequestBuilder.defaultAuthorization, (name, fits)])
        XCTAssertEqual(response.status, 200, response.bodyText)
        XCTAssertEqual(upstreamRequest(behind: response, on: env.chatgpt)?.header(name), fits)

        let over = fits + "o"
        let connection = try assertRefused(RequestBuilder.build("GET", "/chatgpt/backend-api/models",
                                                                headers: [RequestBuilder.defaultAuthorization, (name, over)]),
                                           status: 431, messageContains: ["X-Big", "8193", "8192"])
        XCTAssertTrue(connection.waitForClose(timeout: 3).closed)
    }
}

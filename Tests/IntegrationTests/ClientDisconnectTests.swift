import Dispatch
import XCTest

/// A client that leaves in the middle of an exchange: HTTP/1.1 cannot cancel a request, so proxyd must close
/// the upstream connection at once (not pool it, not let it run to the end or the timeout) and keep serving.
final class ClientDisconnectTests: ProxydTestCase {
    /// Closes the upstream within this long of the client leaving; the upstream timeout (2 s) is well above.
    private static let promptly = 1.0

    /// Waits (up to 5 s) until the fixture has seen a request whose target contains `fragment`.
    private func reachedUpstream(_ fragment: String) -> Bool {
        env.chatgpt.connections.wait(timeout: 5) { entries in entries.contains { $0.uris.contains { $0.contains(fragment) } } }
    }

    private func assertUpstreamClosedPromptly(carrying fragment: String, clientLeftAt: UInt64,
                                              file: StaticString = #filePath, line: UInt = #line) {
        let delay = env.chatgpt.connections.closeDelay(ofConnectionCarrying: fragment, since: clientLeftAt,
                                                       timeout: Self.promptly + 2)
        guard let delay else {
            XCTFail("the upstream connection stayed open after the client left. Log tail:\n\(env.proxyd.logTail())",
                    file: file, line: line)
            return
        }
        XCTAssertLessThan(delay, Self.promptly, "upstream closed \(delay) s after the client left", file: file, line: line)
    }

    func testClientLeavingMidStreamClosesTheUpstreamConnection() throws {
        let fragment = "__sse?events=50&interval_ms=100"
        var connection: RawHTTPConnection? = try connect(timeout: 5)
        try connection?.send(RequestBuilder.build("GET", "/chatgpt/backend-api/\(fragment)"))
        XCTAssertEqual(try connection?.readHead().status, 200)
        usleep(350_000)  // a few events relayed; 45 more to come over 4.5 s
        let leftAt = DispatchTime.now().uptimeNanoseconds
        connection = nil  // closes the socket
        assertUpstreamClosedPromptly(carrying: fragment, clientLeftAt: leftAt)

        let id = try XCTUnwrap(env.chatgpt.recorder.waitForRequest { $0.uri.contains(fragment) }?.id)
        let sentBefore = env.chatgpt.recorder.eventSendTimes(requestID: id).count
        XCTAssertLessThan(sentBefore, 20, "the fixture kept streaming to a closed connection")
        assertStillServing()
        let stream = try request("GET", "/chatgpt/backend-api/__sse?events=3&interval_ms=20")
        XCTAssertEqual(stream.status, 200)
        XCTAssertTrue(stream.bodyText.hasSuffix("data: [DONE]\n\n"))
    }

    /// Left while proxyd waited for the response head: nothing is relayed yet, the upstream must still go.
    func testClientLeavingBeforeTheResponseHeadClosesTheUpstreamConnection() throws {
        let fragment = "__hang?leave=before-head"
        var connection: RawHTTPConnection? = try connect(timeout: 5)
        try connection?.send(RequestBuilder.build("GET", "/chatgpt/backend-api/\(fragment)"))
        XCTAssertTrue(reachedUpstream(fragment), "the request did not reach the fixture")
        let leftAt = DispatchTime.now().uptimeNanoseconds
        connection = nil
        assertUpstreamClosedPromptly(carrying: fragment, clientLeftAt: leftAt)
        assertStillServing()
    }

    /// Left half-way through a request body: the upstream has a request that can never complete.
    func testClientLeavingMidRequestBodyClosesTheUpstreamConnection() throws {
        let fragment = "upload?leave=mid-body"
        var connection: RawHTTPConnection? = try connect(timeout: 5)
        try connection?.send(RequestBuilder.build("POST", "/chatgpt/backend-api/\(fragment)", headers: [
            RequestBuilder.defaultAuthorization, ("Content-Length", "1000000"),
        ]) + TestPattern.bytes(count: 100_000))
        XCTAssertTrue(reachedUpstream(fragment), "the request head did not reach the fixture")
        let leftAt = DispatchTime.now().uptimeNanoseconds
        connection = nil
        assertUpstreamClosedPromptly(carrying: fragment, clientLeftAt: leftAt)
        XCTAssertNil(env.chatgpt.recorder.requests.first { $0.uri.contains(fragment) }, "a cut body must not look complete")
        assertStillServing()
    }
}

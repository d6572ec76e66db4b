import Dispatch
import Glibc
import XCTest

/// Overload shedding (issue 14): past PROXYD_MAX_STREAMS a new request gets 503 with Retry-After before its
/// body is read, past PROXYD_MAX_CONNECTIONS a new connection gets 503 and is closed at accept, and whatever
/// was admitted runs to its end.
final class OverloadSheddingTests: FixtureTestCase {
    /// One worker, so the bounds (which are per worker) are the whole process's.
    private func startOneWorker(_ settings: [String: String]) throws -> ProxydProcess {
        try startProxyd(settings.merging(["PROXYD_WORKERS": "1"]) { $1 })
    }

    private func startStream(through proxyd: ProxydProcess) throws -> (RawHTTPConnection, ResponseHead) {
        let connection = try RawHTTPConnection(port: proxyd.port, timeout: 10)
        try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__sse?events=10&interval_ms=100"))
        let head = try connection.readHead()
        XCTAssertEqual(head.status, 200)
        return (connection, head)
    }

    func testRequestsPastTheStreamBoundAreShedAndAdmittedStreamsFinish() throws {
        let proxyd = try startOneWorker(["PROXYD_MAX_STREAMS": "2"])
        defer { _ = proxyd.stop() }
        let streams = try (0..<2).map { _ in try startStream(through: proxyd) }

        let shed = try RawHTTPConnection(port: proxyd.port, timeout: 5)
        try shed.send(RequestBuilder.build("GET", "/platform/v1/models"))
        let answer = try shed.readResponse()
        XCTAssertEqual(answer.status, 503)
        XCTAssertEqual(answer.header("Retry-After"), "1")
        XCTAssertTrue(answer.errorMessage.contains("limit of requests under way"), answer.bodyText)
        // The connection stays usable (no body was sent), and health checks are never shed.
        try shed.send(RequestBuilder.build("GET", "/healthz"))
        XCTAssertEqual(try shed.readResponse().status, 200)

        // A request with a body is shed before the body is read, so its connection closes after the 503.
        let withBody = try RawHTTPConnection(port: proxyd.port, timeout: 5)
        try withBody.send(RequestBuilder.build("POST", "/platform/v1/chat/completions", body: Array("{}".utf8)))
        XCTAssertEqual(try withBody.readResponse().status, 503)
        XCTAssertTrue(withBody.waitForClose(timeout: 2).closed, "a shed request with a body leaves its connection open")

        for (connection, head) in streams {
            let body = try connection.readBody(for: head)
            XCTAssertTrue(body.complete && body.bodyText.hasSuffix("data: [DONE]\n\n"), "an admitted stream was cut")
        }
        // Both streams gave their place back: two more are admitted at once.
        let again = try (0..<2).map { _ in try startStream(through: proxyd) }
        for (connection, head) in again { XCTAssertTrue(try connection.readBody(for: head).complete) }
    }

    func testAClientThatLeavesGivesItsStreamBack() throws {
        let proxyd = try startOneWorker(["PROXYD_MAX_STREAMS": "1"])
        defer { _ = proxyd.stop() }
        do {
            let (leaving, _) = try startStream(through: proxyd)
            _ = leaving  // closed at the end of this scope, mid-stream
        }
        // The close reaches proxyd a moment later; then the one place is free again.
        var status = 0
        for _ in 0..<50 {
            let next = try RawHTTPConnection(port: proxyd.port, timeout: 5)
            try next.send(RequestBuilder.build("GET", "/platform/v1/models"))
            status = try next.readResponse().status
            if status != 503 { break }
            usleep(50_000)
        }
        XCTAssertEqual(status, 200, "the stream of a client that left was never given back")
    }

    func testConnectionsPastTheBoundGet503AndAdmittedOnesKeepWorking() throws {
        let proxyd = try startOneWorker(["PROXYD_MAX_CONNECTIONS": "3"])
        defer { _ = proxyd.stop() }
        let admitted = try (0..<3).map { _ in try RawHTTPConnection(port: proxyd.port, timeout: 5) }
        for connection in admitted {  // each answered once, so proxyd has surely taken it
            try connection.send(RequestBuilder.build("GET", "/platform/v1/models"))
            XCTAssertEqual(try connection.readResponse().status, 200)
        }

        let refused = try RawHTTPConnection(port: proxyd.port, timeout: 5)
        let answer = try refused.readResponse()
        XCTAssertEqual(answer.status, 503)
        XCTAssertEqual(answer.header("Retry-After"), "1")
        XCTAssertTrue(refused.waitForClose(timeout: 2).closed)

        for connection in admitted {
            try connection.send(RequestBuilder.build("GET", "/platform/v1/models"))
            XCTAssertEqual(try connection.readResponse().status, 200, "an admitted connection was dropped")
        }
        XCTAssertTrue(proxyd.logTail().contains("PROXYD_MAX_CONNECTIONS"), "the refusal is not in the log")
    }

    /// 40 clients at once against room for 8: every admitted request is answered in full; the others get the
    /// 503, or a reset when their request reached the socket proxyd had already closed. None is left hanging.
    func testAConnectionFloodAnswersEveryAdmittedRequest() throws {
        let proxyd = try startOneWorker(["PROXYD_MAX_CONNECTIONS": "8"])
        defer { _ = proxyd.stop() }
        let connections = try (0..<40).map { _ in try RawHTTPConnection(port: proxyd.port, timeout: 5) }
        for connection in connections {
            try? connection.send(RequestBuilder.build("GET", "/platform/v1/models"))
        }
        var answered = 0, shed = 0, reset = 0
        for connection in connections {
            do {
                let response = try connection.readResponse()
                switch response.status {
                case 200:
                    XCTAssertTrue(response.complete)
                    answered += 1
                case 503: shed += 1
                default: XCTFail("unexpected status \(response.status)")
                }
            } catch RawHTTPError.timedOut(let what) {
                XCTFail("a connection got no answer at all: timed out waiting for \(what)")
            } catch {
                reset += 1
            }
        }
        XCTAssertEqual(answered, 8, "admitted: \(answered), shed: \(shed), reset: \(reset)")
        XCTAssertEqual(answered + shed + reset, 40)
    }
}

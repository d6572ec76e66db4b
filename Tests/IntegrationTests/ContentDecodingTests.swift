import Foundation
import XCTest

/// Browser profiles offer the browser's codings upstream; proxyd decodes what the client did not accept, passes
/// what it did, and refuses what it can neither pass nor decode. The checks run over HTTP/1.1 and HTTP/2 upstreams.
extension ProxydTestCase {
    static let browserCodings = "gzip, deflate, br, zstd"

    /// The fixture's record of a request, found by a tag unique to the test.
    func recorded(_ tag: String, on upstream: RecordingUpstream, file: StaticString = #filePath,
                  line: UInt = #line) -> RecordedRequest? {
        let found = upstream.recorder.waitForRequest { $0.query["tag"] == tag }
        XCTAssertNotNil(found, "the upstream never saw request \(tag)", file: file, line: line)
        return found
    }

    func checkPlainClientGetsDecodedBodies(on upstream: RecordingUpstream) throws {
        let text = FixtureResponses.encodedText(count: 300_000)
        for coding in ["gzip", "deflate", "br", "zstd"] {
            let tag = "plain-\(coding)-\(UUID().uuidString)"
            let response = try request("GET", "/chatgpt/backend-api/__encoded?bytes=\(text.count)&coding=\(coding)&tag=\(tag)")
            XCTAssertEqual(response.status, 200, "\(coding): \(response.bodyText.prefix(200))")
            XCTAssertNil(response.header("content-encoding"), coding)
            XCTAssertNil(response.header("content-length"), coding)
            XCTAssertEqual(response.header("transfer-encoding"), "chunked", coding)
            XCTAssertEqual(response.header("etag"), "W/\"fixture-\(coding)\"", "\(coding): no longer byte-identical")
            XCTAssertTrue(response.complete, coding)
            XCTAssertTrue(response.body == text, "\(coding): \(response.body.count) bytes, not the text")
            XCTAssertEqual(recorded(tag, on: upstream)?.header("accept-encoding"), Self.browserCodings, coding)
        }
    }

    func checkAcceptedCodingPassesUnchanged(on upstream: RecordingUpstream) throws {
        let tag = "accepted-\(UUID().uuidString)"
        // No coding= in the query: the fixture answers in the first coding of what proxyd offered, gzip.
        let response = try request("GET", "/chatgpt/backend-api/__encoded?bytes=50000&tag=\(tag)",
                                   headers: [RequestBuilder.defaultAuthorization, ("Accept-Encoding", "gzip")])
        XCTAssertEqual(response.status, 200, response.bodyText)
        XCTAssertEqual(response.header("content-encoding"), "gzip")
        XCTAssertEqual(response.header("etag"), "\"fixture-gzip\"")
        let expected = try XCTUnwrap(FixtureEncoder.encodeWhole(FixtureResponses.encodedText(count: 50_000), coding: "gzip"))
        XCTAssertEqual(response.header("content-length"), String(expected.count))
        XCTAssertTrue(response.body == expected, "gzip bytes changed on the way")
        XCTAssertEqual(recorded(tag, on: upstream)?.header("accept-encoding"), Self.browserCodings, "not the client's gzip")
    }

    func checkCompressedSSEArrivesEventByEvent(on upstream: RecordingUpstream) throws {
        let tag = "sse-\(UUID().uuidString)"
        let events = 4, intervalMS = 250
        let connection = try connect()
        try connection.send(RequestBuilder.build("POST", "/platform/v1/chat/__sse?events=\(events)&interval_ms=\(intervalMS)&coding=gzip&tag=\(tag)",
                                                 body: Array(#"{"stream":true}"#.utf8)))
        let head = try connection.readHead()
        XCTAssertNil(head.header("content-encoding"))
        var text = ""
        var arrivals: [UInt64] = []
        let response = try connection.readBody(for: head) { piece, time in
            text += String(decoding: piece, as: UTF8.self)
            while arrivals.count < text.components(separatedBy: "\n\n").count - 1 { arrivals.append(time) }
        }
        XCTAssertTrue(response.complete)
        XCTAssertEqual(response.bodyText, (0..<events).map { "data: {\"i\":\($0)}\n\n" }.joined() + "data: [DONE]\n\n")
        let sent = upstream.recorder.eventSendTimes(requestID: try XCTUnwrap(recorded(tag, on: upstream)).id)
        guard let firstArrival = arrivals.first, let lastSent = sent.last else { return XCTFail("no events") }
        let lead = Self.monotonicSeconds(lastSent) - Self.monotonicSeconds(firstArrival)
        XCTAssertGreaterThan(lead, Double(intervalMS * events) / 1000 * 0.6,
                             "the first event reached the client only \(lead) s before the upstream sent the last")
    }

    func checkCorruptBodyIsCutShort(on upstream: RecordingUpstream) throws {
        let connection = try connect()
        try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__encoded?bytes=400000&coding=gzip&corrupt=1"))
        let head = try connection.readHead()
        XCTAssertEqual(head.status, 200)
        var complete = true
        var received = 0
        do {
            let response = try connection.readBody(for: head)
            complete = response.complete
            received = response.body.count
        } catch {
            complete = false  // closed mid-chunk
        }
        XCTAssertFalse(complete, "a corrupt body must not look complete (\(received) bytes)")
        XCTAssertLessThan(received, 400_000)
        assertStillServing()
    }

    func checkUndecodableCodingIsRefused(on upstream: RecordingUpstream) throws {
        let refused = try request("GET", "/chatgpt/backend-api/__encoded?bytes=1000&coding=x-unknown")
        assertProxydError(refused, status: 502, messageContains: ["x-unknown", "content-encoding"])
        let accepted = try request("GET", "/chatgpt/backend-api/__encoded?bytes=1000&coding=x-unknown",
                                   headers: [RequestBuilder.defaultAuthorization, ("Accept-Encoding", "*")])
        XCTAssertEqual(accepted.status, 200)
        XCTAssertEqual(accepted.header("content-encoding"), "x-unknown")
        XCTAssertEqual(accepted.body, FixtureResponses.encodedText(count: 1000))
        assertStillServing()
    }
}

final class ContentDecodingHTTP1Tests: ProxydTestCase {
    override class func extraSettings() throws -> [String: String] { ["PROXYD_TLS_PROFILE": "chrome"] }

    func testPlainClientGetsDecodedChunkedBodies() throws { try checkPlainClientGetsDecodedBodies(on: env.chatgpt) }
    func testAcceptedCodingPassesUnchanged() throws { try checkAcceptedCodingPassesUnchanged(on: env.chatgpt) }
    func testCompressedSSEArrivesEventByEvent() throws { try checkCompressedSSEArrivesEventByEvent(on: env.platform) }
    func testCorruptBodyIsCutShortAndProxydKeepsServing() throws { try checkCorruptBodyIsCutShort(on: env.chatgpt) }
    func testUndecodableCodingIsRefusedUnlessAccepted() throws { try checkUndecodableCodingIsRefused(on: env.chatgpt) }

    func testHTTP10ClientGetsTheDecodedBodyUntilClose() throws {
        let connection = try connect()
        try connection.send("GET /chatgpt/backend-api/__encoded?bytes=70000&coding=br HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                            + "Authorization: Bearer itest-token\r\n\r\n")
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertNil(response.header("transfer-encoding"))
        XCTAssertNil(response.header("content-length"))
        XCTAssertTrue(response.body == FixtureResponses.encodedText(count: 70_000))
    }
}

final class ContentDecodingHTTP2Tests: HTTP2TestCase {
    override class func extraSettings() throws -> [String: String] {
        try super.extraSettings().merging(["PROXYD_TLS_PROFILE": "chrome"]) { $1 }
    }

    func testPlainClientGetsDecodedChunkedBodies() throws {
        try checkPlainClientGetsDecodedBodies(on: h2.chatgpt)
        assertNothingReachedHTTP1()
    }
    func testAcceptedCodingPassesUnchanged() throws { try checkAcceptedCodingPassesUnchanged(on: h2.chatgpt) }
    func testCompressedSSEArrivesEventByEvent() throws { try checkCompressedSSEArrivesEventByEvent(on: h2.platform) }
    func testCorruptBodyIsCutShortAndProxydKeepsServing() throws { try checkCorruptBodyIsCutShort(on: h2.chatgpt) }
    func testUndecodableCodingIsRefusedUnlessAccepted() throws { try checkUndecodableCodingIsRefused(on: h2.chatgpt) }
}

/// PROXYD_TLS_PROFILE=openssl forwards the client's own Accept-Encoding and never decodes.
final class OpenSSLProfileContentTests: ProxydTestCase {
    override class func extraSettings() throws -> [String: String] { ["PROXYD_TLS_PROFILE": "openssl"] }

    func testCodedBodiesPassAsTheUpstreamSentThem() throws {
        let tag = "openssl-\(UUID().uuidString)"
        let response = try request("GET", "/chatgpt/backend-api/__encoded?bytes=5000&coding=gzip&tag=\(tag)")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("content-encoding"), "gzip")
        XCTAssertEqual(response.body, FixtureEncoder.encodeWhole(FixtureResponses.encodedText(count: 5000), coding: "gzip"))
        XCTAssertNil(recorded(tag, on: env.chatgpt)?.header("accept-encoding"), "the client sent none")
    }
}

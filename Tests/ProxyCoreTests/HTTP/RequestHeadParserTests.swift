import XCTest
@testable import ProxyCore

final class RequestHeadParserTests: XCTestCase {
    private func parse(_ text: String, limits: RequestHeadParser.Limits = .init()) -> RequestHeadParser.Result {
        withBytes(text) { RequestHeadParser(limits: limits).parse($0) }
    }

    private func head(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> RequestHead? {
        guard case .complete(let head, let length) = parse(text) else {
            XCTFail("not complete: \(parse(text))", file: file, line: line)
            return nil
        }
        XCTAssertEqual(length, text.utf8.count, file: file, line: line)
        return head
    }

    private func assertRejected(_ text: String, _ status: Int, _ message: String,
                                limits: RequestHeadParser.Limits = .init(),
                                file: StaticString = #filePath, line: UInt = #line) {
        guard case .invalid(let error) = parse(text, limits: limits) else {
            XCTFail("accepted: \(parse(text, limits: limits))", file: file, line: line)
            return
        }
        XCTAssertEqual(error.status, status, error.message, file: file, line: line)
        XCTAssertTrue(error.message.contains(message), "message: \(error.message)", file: file, line: line)
    }

    private func request(_ fieldLines: String..., version: String = "HTTP/1.1") -> String {
        "POST /chatgpt/conversation \(version)\r\n" + fieldLines.map { $0 + "\r\n" }.joined() + "\r\n"
    }

    // MARK: valid requests

    func testSimpleGet() {
        let text = "GET /chatgpt/models?x=1 HTTP/1.1\r\nHost: example.com\r\nAuthorization: Bearer t\r\n\r\n"
        guard let head = head(text) else { return }
        XCTAssertEqual(head.method, "GET")
        XCTAssertEqual(head.target, "/chatgpt/models?x=1")
        XCTAssertEqual(head.minorVersion, 1)
        XCTAssertEqual(head.fields, [HTTPField("Host", "example.com"), HTTPField("Authorization", "Bearer t")])
        XCTAssertEqual(head.framing, BodyFraming.none)
        XCTAssertTrue(head.keepAlive)
        XCTAssertFalse(head.expectsContinue)
        XCTAssertEqual(head.value(of: "authorization"), "Bearer t")
    }

    func testLengthStopsAtEndOfHeadSoBodyAndPipelinedRequestsFollow() {
        let first = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n"
        let text = first + "BODYGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
        guard case .complete(let head, let length) = parse(text) else { return XCTFail() }
        XCTAssertEqual(length, first.utf8.count)
        XCTAssertEqual(head.framing, .contentLength(4))
        let second = withBytes(text) { RequestHeadParser().parse(UnsafeRawBufferPointer(rebasing: $0[(length + 4)...])) }
        guard case .complete(let next, _) = second else { return XCTFail("\(second)") }
        XCTAssertEqual(next.target, "/b")
    }

    func testFraming() {
        XCTAssertEqual(head(request("Host: h", "Content-Length: 0"))?.framing, .contentLength(0))
        XCTAssertEqual(head(request("Host: h", "Content-Length: 0042"))?.framing, .contentLength(42))
        XCTAssertEqual(head(request("Host: h", "Content-Length: 18446744073709551615"))?.framing,
                       .contentLength(UInt64.max))
        XCTAssertEqual(head(request("Host: h", "Transfer-Encoding: chunked"))?.framing, .chunked)
        XCTAssertEqual(head(request("Host: h", "transfer-encoding: ChUnKeD"))?.framing, .chunked)
        // Whitespace around a value is OWS, not part of it: " chunked" means chunked to every parser.
        XCTAssertEqual(head(request("Host: h", "Transfer-Encoding:  \tchunked \t"))?.framing, .chunked)
    }

    func testValuesAreTrimmedAndMayBeEmptyOrHoldTabs() {
        let head = head(request("Host: h", "X-A:   a \t b  ", "X-B:", "X-C:\t", "X-D: caf\u{e9}"))
        XCTAssertEqual(head?.value(of: "x-a"), "a \t b")
        XCTAssertEqual(head?.value(of: "x-b"), "")
        XCTAssertEqual(head?.value(of: "x-c"), "")
        XCTAssertEqual(head?.value(of: "x-d"), "caf\u{e9}")
    }

    func testAbsoluteFormIsReducedToPathAndQuery() {
        let cases = [
            "http://example.com/a/b?c=d": "/a/b?c=d", "https://example.com:8443/x": "/x",
            "HTTPS://EXAMPLE.COM": "/", "http://example.com?q=1": "/?q=1",
        ]
        for (target, expected) in cases {
            XCTAssertEqual(head("GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n")?.target, expected, target)
        }
        assertRejected("GET http:///path HTTP/1.1\r\nHost: h\r\n\r\n", 400, "without host")
    }

    func testKeepAlive() {
        XCTAssertEqual(head(request("Host: h"))?.keepAlive, true)
        XCTAssertEqual(head(request("Host: h", "Connection: keep-alive, CLOSE"))?.keepAlive, false)
        XCTAssertEqual(head(request("Host: h", "Connection: upgrade", "Connection: close"))?.keepAlive, false)
        XCTAssertEqual(head(request(version: "HTTP/1.0"))?.keepAlive, false)
        XCTAssertEqual(head(request("Connection: Keep-Alive", version: "HTTP/1.0"))?.keepAlive, true)
        XCTAssertEqual(head(request("Connection: keep-alive, close", version: "HTTP/1.0"))?.keepAlive, false)
    }

    func testHTTP10NeedsNoHost() {
        let head = head(request("Content-Length: 3", version: "HTTP/1.0"))
        XCTAssertEqual(head?.minorVersion, 0)
        XCTAssertEqual(head?.framing, .contentLength(3))
    }

    func testExpect() {
        XCTAssertEqual(head(request("Host: h", "Expect: 100-Continue", "Content-Length: 5"))?.expectsContinue, true)
        XCTAssertEqual(head(request("Expect: 100-continue", version: "HTTP/1.0"))?.expectsContinue, false)
        assertRejected(request("Host: h", "Expect: 200-ok"), 417, "Expect")
    }

    func testOneEmptyLineBeforeRequestLineIsIgnored() {
        XCTAssertEqual(head("\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")?.target, "/")
        assertRejected("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request line")
    }

    // MARK: request line

    func testRequestLineRejections() {
        assertRejected("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", 400, "asterisk-form")
        assertRejected("GET example.com:443 HTTP/1.1\r\nHost: h\r\n\r\n", 400, "must start with /")
        assertRejected("CONNECT example.com:443 HTTP/1.1\r\nHost: h\r\n\r\n", 501, "CONNECT")
        assertRejected("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "version")
        assertRejected("GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505, "version")
        assertRejected("GET / http/1.1\r\nHost: h\r\n\r\n", 400, "malformed HTTP version")
        assertRejected("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400, "malformed HTTP version")
        assertRejected("GET / HTTP/1\r\nHost: h\r\n\r\n", 400, "malformed HTTP version")
        assertRejected("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "malformed request line")
        assertRejected("GET /\r\nHost: h\r\n\r\n", 400, "malformed request line")
        assertRejected("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid method")
        assertRejected(" GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid method")
        assertRejected("GET /a\u{1}b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request target")
        assertRejected("GET /a\u{0}b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request target")
        assertRejected("GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request target")
        assertRejected("GET /caf\u{e9} HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request target")
        assertRejected("GET /a\rb HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request target")
    }

    // MARK: field lines

    func testFieldLineRejections() {
        assertRejected(request("Host: h", "X: a", " b"), 400, "obsolete line folding")
        assertRejected(request("Host: h", "\tX: a"), 400, "obsolete line folding")
        assertRejected(request(" Transfer-Encoding: chunked", "Host: h"), 400, "obsolete line folding")
        assertRejected(request("Host: h", "Transfer-Encoding : chunked"), 400, "whitespace between header name and colon")
        assertRejected(request("Host: h", "Content-Length\t: 5"), 400, "whitespace between header name and colon")
        assertRejected(request("Host: h", ": empty"), 400, "empty header name")
        assertRejected(request("Host: h", "X-Y"), 400, "without colon")
        assertRejected(request("Host: h", "X(Y): 1"), 400, "invalid character in header name")
        assertRejected(request("Host: h", "X: a\rb"), 400, "bare CR")
        assertRejected(request("Host: h", "X: a\r"), 400, "bare CR")
        assertRejected(request("Host: h", "X\r: a"), 400, "bare CR")
        assertRejected(request("Host: h", "X: a\u{0}b"), 400, "NUL")
        assertRejected(request("Host: h", "X: a\u{1}b"), 400, "control character")
        assertRejected(request("Host: h", "X: a\u{7f}b"), 400, "control character")
    }

    func testBareLFIsRejectedAsSoonAsItArrives() {
        assertRejected("GET / HTTP/1.1\nHost: h\n\n", 400, "bare LF")
        assertRejected("GET / HTTP/1.1\r\nHost: h\n\r\n", 400, "bare LF")
        assertRejected("GET / HTTP/1.1\r\nHost: h\r\n\n", 400, "bare LF")
        assertRejected("GET / HTTP/1.1\nHo", 400, "bare LF")
        assertRejected("\nGET / HTTP/1.1\r\n", 400, "bare LF")
    }

    func testNonUTF8ValueIsRejectedRatherThanAltered() {
        let bytes = Array("GET / HTTP/1.1\r\nHost: h\r\nX: ".utf8) + [0xFF, 0xFE] + Array("\r\n\r\n".utf8)
        guard case .invalid(let error) = bytes.withUnsafeBytes({ RequestHeadParser().parse($0) }) else {
            return XCTFail()
        }
        XCTAssertEqual(error.status, 400)
        XCTAssertTrue(error.message.contains("UTF-8"))
    }

    // MARK: Host

    func testHost() {
        assertRejected(request("Content-Length: 1"), 400, "missing Host header")
        assertRejected(request("Host: a", "host: b"), 400, "duplicate Host header")
        assertRejected(request("Host: a", "Host: a", version: "HTTP/1.0"), 400, "duplicate Host header")
    }

    // MARK: Authorization

    /// Issue 10: both were forwarded, and which one the upstream (or the sticky proxy choice) used was anyone's guess.
    func testDuplicateAuthorizationIsRejected() {
        // Equal values too: intermediaries disagree on whether to merge them, as with Content-Length.
        for pair in [("Authorization: Bearer a", "Authorization: Bearer b"), ("authorization: t", "AUTHORIZATION: t")] {
            assertRejected(request("Host: h", pair.0, pair.1), 400, "duplicate Authorization header")
        }
        let head = head(request("Host: h", "Authorization: Bearer a", "Proxy-Authorization: b"))
        XCTAssertEqual(head?.value(of: "authorization"), "Bearer a", "Proxy-Authorization is another field")
    }

    // MARK: Content-Length and Transfer-Encoding (request smuggling shapes)

    func testContentLengthRejections() {
        for bad in ["abc", "+5", "-5", "5 0", "5,5", "5, 5", "0x10", "", "5.0", "99999999999999999999", "١"] {
            assertRejected(request("Host: h", "Content-Length: \(bad)"), 400, "invalid Content-Length")
        }
        assertRejected(request("Host: h", "Content-Length: 5", "Content-Length: 5"), 400, "duplicate Content-Length")
        assertRejected(request("Host: h", "Content-Length: 5", "content-length: 6"), 400, "duplicate Content-Length")
    }

    func testTransferEncodingRejections() {
        let conflict = "invalid request: conflicting Content-Length and Transfer-Encoding"
        assertRejected(request("Host: h", "Content-Length: 5", "Transfer-Encoding: chunked"), 400, conflict)
        assertRejected(request("Host: h", "Transfer-Encoding: chunked", "Content-Length: 5"), 400, conflict)
        assertRejected(request("Host: h", "Transfer-Encoding: chunked", "Content-Length: 0"), 400, conflict)
        assertRejected(request("Host: h", "Transfer-Encoding: chunked, identity"), 400, "not the final")
        assertRejected(request("Host: h", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip"), 400, "not the final")
        assertRejected(request("Host: h", "Transfer-Encoding: chunked, chunked"), 400, "more than once")
        assertRejected(request("Host: h", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"), 400, "more than once")
        assertRejected(request("Host: h", "Transfer-Encoding: gzip"), 501, "unsupported transfer coding gzip")
        assertRejected(request("Host: h", "Transfer-Encoding: identity"), 501, "unsupported transfer coding")
        assertRejected(request("Host: h", "Transfer-Encoding: gzip, chunked"), 501, "unsupported transfer coding gzip")
        assertRejected(request("Host: h", "Transfer-Encoding: gzip", "Transfer-Encoding: chunked"), 501, "gzip")
        assertRejected(request("Host: h", "Transfer-Encoding: chunked,"), 400, "malformed Transfer-Encoding")
        assertRejected(request("Host: h", "Transfer-Encoding: ,chunked"), 400, "malformed Transfer-Encoding")
        assertRejected(request("Host: h", "Transfer-Encoding:"), 400, "malformed Transfer-Encoding")
        assertRejected(request("Host: h", "Transfer-Encoding: x chunked"), 400, "malformed Transfer-Encoding")
        assertRejected(request("Host: h", "Transfer-Encoding: chunked;q=1"), 400, "malformed Transfer-Encoding")
        assertRejected(request("Host: h", "Transfer-Encoding: \"chunked\""), 400, "malformed Transfer-Encoding")
        assertRejected(request("Transfer-Encoding: chunked", version: "HTTP/1.0"), 400, "HTTP/1.0")
    }

    /// Issue 10: these went to HTTP/1.1 upstreams beside proxyd's own framing.
    func testFramingLookalikesAreRejected() {
        for name in ["Transfer_Encoding", "transfer_encoding", "TRANSFER_ENCODING", "Content_Length", "content_length"] {
            assertRejected(request("Host: h", "\(name): chunked", "Content-Length: 0"), 400, "looks like a framing header")
        }
        // Other names with `_` are tokens like any other, and pass.
        let head = head(request("Host: h", "X_Request_Id: 7", "Transfer_Encodings: x", "Content_Lengthy: 1"))
        XCTAssertEqual(head?.value(of: "x_request_id"), "7")
        XCTAssertEqual(head?.fields.count, 4)
    }

    func testChunkedAsAContentCodingIsRejected() {
        for value in ["chunked", "Chunked", "gzip, chunked", " chunked ", "chunked,gzip"] {
            assertRejected(request("Host: h", "Content-Encoding: \(value)", "Content-Length: 0"), 400,
                           "not a Content-Encoding")
        }
        assertRejected(request("Host: h", "Content-Encoding: gzip", "content-encoding: CHUNKED"), 400,
                       "not a Content-Encoding")
        XCTAssertEqual(head(request("Host: h", "Content-Encoding: gzip, br", "Content-Length: 0"))?
            .value(of: "content-encoding"), "gzip, br")
        XCTAssertEqual(head(request("Host: h", "Content-Encoding: x-chunked"))?.value(of: "content-encoding"),
                       "x-chunked")
    }

    // MARK: limits (431)

    /// Issue 10: a 20 KB field went to an HTTP/2 upstream that ended the whole shared connection over it.
    func testFieldSizeLimitCountsNameAndValue() {
        let name = "X-Big"
        let fits = name + ": " + String(repeating: "v", count: 8192 - name.utf8.count)
        guard case .complete(let head, _) = parse(request("Host: h", fits)) else { return XCTFail() }
        XCTAssertEqual(head.value(of: "x-big")?.utf8.count, 8192 - name.utf8.count)
        // Surrounding whitespace is not part of the value.
        guard case .complete = parse(request("Host: h", fits.replacingOccurrences(of: ": ", with: ":   ") + "  "))
        else { return XCTFail() }

        let over = name + ": " + String(repeating: "v", count: 8193 - name.utf8.count)
        assertRejected(request("Host: h", over), 431, "header field X-Big is 8193 bytes, over the limit of 8192")
        // A long name counts as much as a long value, and is shown shortened.
        guard case .complete = parse(request("Host: h", String(repeating: "n", count: 8190) + ": ab")) else {
            return XCTFail()
        }
        assertRejected(request("Host: h", String(repeating: "n", count: 8191) + ": ab"), 431,
                       "header field \(String(repeating: "n", count: 64))... is 8193 bytes")
        assertRejected(request("Host: h", "A: " + String(repeating: "a", count: 20_000)), 431, "over the limit")
    }

    func testFieldSizeLimitIsALimit() {
        let limits = RequestHeadParser.Limits(maxFieldBytes: 10)
        guard case .complete = parse(request("Host: h", "Abc: 1234567"), limits: limits) else { return XCTFail() }
        assertRejected(request("Host: h", "Abc: 12345678"), 431, "Abc is 11 bytes, over the limit of 10", limits: limits)
        // The same answer however the bytes arrive.
        let text = request("Host: h", "Abc: 12345678", "X: y")
        XCTAssertEqual(dribble(text, limits: limits).0, parse(text, limits: limits))
    }

    func testRequestLineLimit() {
        let limits = RequestHeadParser.Limits(maxRequestLine: 20)
        let exact = "GET /" + String(repeating: "a", count: 6) + " HTTP/1.1" // 20 bytes
        XCTAssertEqual(exact.utf8.count, 20)
        guard case .complete = parse(exact + "\r\nHost: h\r\n\r\n", limits: limits) else { return XCTFail() }
        let long = "GET /" + String(repeating: "a", count: 7) + " HTTP/1.1"
        assertRejected(long + "\r\nHost: h\r\n\r\n", 431, "request line too long", limits: limits)
        // Reported while the line is still arriving, without waiting for its end.
        let arriving = long + "\r\nHost"
        assertRejected(arriving.bytePrefix(22), 431, "request line too long", limits: limits)
        guard case .incomplete = parse(arriving.bytePrefix(21), limits: limits) else { return XCTFail() }
        assertRejected("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: h\r\n\r\n", 431,
                       "request line too long")
    }

    func testHeadSizeLimit() {
        let limits = RequestHeadParser.Limits(maxHeadBytes: 64)
        let base = "GET / HTTP/1.1\r\nHost: h\r\nX: "
        let fits = base + String(repeating: "v", count: 64 - base.utf8.count - 4) + "\r\n\r\n"
        XCTAssertEqual(fits.utf8.count, 64)
        guard case .complete = parse(fits, limits: limits) else { return XCTFail() }
        let over = base + String(repeating: "v", count: 64 - base.utf8.count - 3) + "\r\n\r\n"
        assertRejected(over, 431, "request header fields too large", limits: limits)
        assertRejected(over.bytePrefix(64), 431, "request header fields too large", limits: limits)
        guard case .incomplete = parse(over.bytePrefix(63), limits: limits) else { return XCTFail() }
        assertRejected("GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "v", count: 40_000) + "\r\n\r\n", 431,
                       "too large")
    }

    func testFieldCountLimit() {
        let limits = RequestHeadParser.Limits(maxFields: 3)
        guard case .complete = parse(request("Host: h", "A: 1", "B: 2"), limits: limits) else { return XCTFail() }
        assertRejected(request("Host: h", "A: 1", "B: 2", "C: 3"), 431, "too many header fields", limits: limits)
        let many = (0..<129).map { "X-\($0): v" }
        assertRejected("GET / HTTP/1.1\r\nHost: h\r\n" + many.map { $0 + "\r\n" }.joined() + "\r\n", 431, "too many")
    }

    // MARK: incremental parsing

    private func dribble(_ text: String, limits: RequestHeadParser.Limits = .init()) -> (RequestHeadParser.Result, Int) {
        let parser = RequestHeadParser(limits: limits)
        return ProxyCoreTests.dribble(Array(text.utf8)) { parser.parse($0, searchFrom: $1) }
    }

    func testDribbledHeadGivesSameResultAsWhole() {
        let texts = [
            "GET /a?b=c HTTP/1.1\r\nHost: h\r\nX: y\r\n\r\n",
            "\r\nPOST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
            request("Host: h", "Content-Length: 1", "Transfer-Encoding: chunked"),
            request("Host: h", "X: a\rb"),
        ]
        for text in texts {
            let (result, at) = dribble(text)
            XCTAssertEqual(result, parse(text), text)
            XCTAssertEqual(at, text.utf8.count, text)
        }
    }

    func testDribbledErrorsAreReportedEarly() {
        let (bareLF, at) = dribble("GET / HTTP/1.1\r\nHost: h\nX: 1\r\n\r\n")
        XCTAssertEqual(bareLF, .invalid(ProxyError(400, "invalid request: bare LF line ending")))
        XCTAssertEqual(at, "GET / HTTP/1.1\r\nHost: h\n".utf8.count)

        let longLine = dribble("GET /" + String(repeating: "a", count: 100), limits: .init(maxRequestLine: 50))
        XCTAssertEqual(longLine.0, .invalid(ProxyError(431, "request line too long")))
        XCTAssertEqual(longLine.1, 52)

        let bigHead = dribble("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 100), limits: .init(maxHeadBytes: 60))
        XCTAssertEqual(bigHead.0, .invalid(ProxyError(431, "request header fields too large")))
        XCTAssertEqual(bigHead.1, 60)
    }
}

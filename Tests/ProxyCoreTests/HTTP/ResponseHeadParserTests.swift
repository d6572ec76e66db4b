import XCTest
@testable import ProxyCore

final class ResponseHeadParserTests: XCTestCase {
    private func parse(_ text: String, method: String = "GET", parser: ResponseHeadParser = .init())
        -> ResponseHeadParser.Result {
        withBytes(text) { parser.parse($0, requestMethod: method) }
    }

    private func head(_ text: String, method: String = "GET",
                      file: StaticString = #filePath, line: UInt = #line) -> ResponseHead? {
        guard case .complete(let head, let length) = parse(text, method: method) else {
            XCTFail("not complete: \(parse(text, method: method))", file: file, line: line)
            return nil
        }
        XCTAssertEqual(length, text.utf8.count, file: file, line: line)
        return head
    }

    private func assertInvalid(_ text: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        guard case .invalid(let got) = parse(text) else {
            return XCTFail("accepted: \(parse(text))", file: file, line: line)
        }
        XCTAssertTrue(got.contains(message), got, file: file, line: line)
    }

    private func response(_ status: String = "200 OK", _ fieldLines: String..., version: String = "HTTP/1.1") -> String {
        "\(version) \(status)\r\n" + fieldLines.map { $0 + "\r\n" }.joined() + "\r\n"
    }

    func testContentLengthResponse() {
        let text = response("200 OK", "Content-Type: application/json", "Content-Length: 13")
        guard case .complete(let head, let length) = parse(text + "{\"ok\": true}\n") else { return XCTFail() }
        XCTAssertEqual(length, text.utf8.count)
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.reason, "OK")
        XCTAssertEqual(head.minorVersion, 1)
        XCTAssertEqual(head.fields, [HTTPField("Content-Type", "application/json"), HTTPField("Content-Length", "13")])
        XCTAssertEqual(head.framing, .contentLength(13))
        XCTAssertTrue(head.keepAlive)
    }

    func testFramingByStatusAndMethod() {
        XCTAssertEqual(head(response("200 OK", "Content-Length: 5"), method: "HEAD")?.framing, BodyFraming.none)
        XCTAssertEqual(head(response("200 OK", "Transfer-Encoding: chunked"), method: "HEAD")?.framing, BodyFraming.none)
        XCTAssertEqual(head(response("204 No Content", "Content-Length: 5"))?.framing, BodyFraming.none)
        XCTAssertEqual(head(response("304 Not Modified", "Content-Length: 5"))?.framing, BodyFraming.none)
        XCTAssertEqual(head(response("100 Continue"))?.framing, BodyFraming.none)
        XCTAssertEqual(head(response("103 Early Hints", "Link: </a>"))?.framing, BodyFraming.none)
        XCTAssertEqual(head(response("200 OK", "Transfer-Encoding: Chunked"))?.framing, .chunked)
        XCTAssertEqual(head(response("200 OK", "Transfer-Encoding: chunked"))?.keepAlive, true)
        XCTAssertEqual(head(response("404 Not Found", "Content-Length: 0"))?.framing, .contentLength(0))
    }

    func testUntilClose() {
        let plain = head(response("200 OK", "Content-Type: text/event-stream"))
        XCTAssertEqual(plain?.framing, .untilClose)
        XCTAssertEqual(plain?.keepAlive, false)
        let gzip = head(response("200 OK", "Transfer-Encoding: gzip"))
        XCTAssertEqual(gzip?.framing, .untilClose)
        XCTAssertEqual(gzip?.keepAlive, false)
        XCTAssertEqual(head(response("200 OK", "Transfer-Encoding: chunked, gzip"))?.framing, .untilClose)
    }

    func testTransferEncodingWinsOverContentLengthAndEndsTheConnection() {
        let both = head(response("200 OK", "Content-Length: 10", "Transfer-Encoding: chunked"))
        XCTAssertEqual(both?.framing, .chunked)
        XCTAssertEqual(both?.keepAlive, false)
        let old = head(response("200 OK", "Transfer-Encoding: chunked", "Connection: keep-alive", version: "HTTP/1.0"))
        XCTAssertEqual(old?.framing, .chunked)
        XCTAssertEqual(old?.keepAlive, false)
    }

    func testContentLengthDuplicates() {
        XCTAssertEqual(head(response("200 OK", "Content-Length: 5, 5"))?.framing, .contentLength(5))
        XCTAssertEqual(head(response("200 OK", "Content-Length: 5", "Content-Length: 5"))?.framing, .contentLength(5))
        assertInvalid(response("200 OK", "Content-Length: 5", "Content-Length: 6"), "conflicting Content-Length")
        assertInvalid(response("200 OK", "Content-Length: 5, 6"), "conflicting Content-Length")
        for bad in ["abc", "-1", "+5", "5 5", "", "99999999999999999999"] {
            assertInvalid(response("200 OK", "Content-Length: \(bad)"), "invalid Content-Length")
        }
    }

    func testKeepAlive() {
        XCTAssertEqual(head(response("200 OK", "Content-Length: 0", "Connection: close"))?.keepAlive, false)
        XCTAssertEqual(head(response("200 OK", "Content-Length: 0", version: "HTTP/1.0"))?.keepAlive, false)
        XCTAssertEqual(head(response("200 OK", "Content-Length: 0", "Connection: Keep-Alive", version: "HTTP/1.0"))?.keepAlive,
                       true)
    }

    func testToleratedForms() {
        let bareLF = "HTTP/1.1 200 OK\nContent-Length: 2\n\n"
        XCTAssertEqual(head(bareLF)?.framing, .contentLength(2))
        XCTAssertEqual(head("HTTP/1.1 200 OK\r\nContent-Length: 2\n\r\n")?.framing, .contentLength(2))
        XCTAssertEqual(head(response("200 "))?.reason, "")
        XCTAssertEqual(head(response("200"))?.reason, "")
        XCTAssertEqual(head(response("418 I'm a teapot"))?.reason, "I'm a teapot")
        let folded = head(response("200 OK", "X-Long: first", "   second", "\tthird", "Content-Length: 0"))
        XCTAssertEqual(folded?.fields.first, HTTPField("X-Long", "first second third"))
        XCTAssertEqual(head(response("200 OK", "X:   padded \t"))?.fields.first?.value, "padded")
        // Found by the ResponseHead fuzz target: folded onto an empty value, the value began with the joining SP.
        let foldedOntoEmpty = head(response("200 OK", "X-Empty:", " \tafter", "Content-Length: 0"))
        XCTAssertEqual(foldedOntoEmpty?.fields.first, HTTPField("X-Empty", "after"))
    }

    func testRejections() {
        assertInvalid("HTTP/2 200 OK\r\n\r\n", "malformed status line")
        assertInvalid("HTTP/2.0 200 OK\r\n\r\n", "unsupported HTTP version")
        assertInvalid("http/1.1 200 OK\r\n\r\n", "unsupported HTTP version")
        assertInvalid("HTTP/1.1 20 OK\r\n\r\n", "malformed status code")
        assertInvalid("HTTP/1.1 2000 OK\r\n\r\n", "malformed status line")
        assertInvalid("HTTP/1.1 abc OK\r\n\r\n", "malformed status code")
        assertInvalid("HTTP/1.1 099 Low\r\n\r\n", "out of range")
        assertInvalid("HTTP/1.1 600 High\r\n\r\n", "out of range")
        assertInvalid("HTTP/1.1  200 OK\r\n\r\n", "malformed status code")
        assertInvalid("HTTP/1.1 200 O\u{0}K\r\n\r\n", "NUL")
        assertInvalid("\r\n\r\n", "empty status line")
        assertInvalid(response("200 OK", "Content-Length : 5"), "whitespace between header name and colon")
        assertInvalid(response("200 OK", "X: a\u{0}b"), "NUL")
        assertInvalid(response("200 OK", "X: a\rb"), "bare CR")
        assertInvalid(response("200 OK", "NoColon"), "without colon")
        assertInvalid(response("200 OK", " Folded: first"), "folded line")
        assertInvalid(response("200 OK", "X: a", "  b\u{1}"), "control character")
    }

    func testHeadLimit() {
        let parser = ResponseHeadParser(maxHeadBytes: 100)
        let filler = "X: " + String(repeating: "a", count: 200)
        guard case .invalid(let message) = parse("HTTP/1.1 200 OK\r\n" + filler, parser: parser) else {
            return XCTFail()
        }
        XCTAssertTrue(message.contains("too large"))
        guard case .incomplete = parse(("HTTP/1.1 200 OK\r\n" + filler).bytePrefix(99), parser: parser) else {
            return XCTFail()
        }
        let big = response("200 OK", "X: " + String(repeating: "a", count: 60_000), "Content-Length: 0")
        XCTAssertEqual(head(big)?.framing, .contentLength(0))
        guard case .invalid = parse(response("200 OK", "X: " + String(repeating: "a", count: 70_000))) else {
            return XCTFail()
        }
    }

    func testDribbledHeadGivesSameResultAsWhole() {
        let texts = [
            response("200 OK", "Content-Length: 3") + "abc",
            "HTTP/1.1 204 No Content\n\n",
            "HTTP/1.1 200 OK\r\nX: 1\n\r\nrest",
            response("200 OK", "Content-Length: 1", "Content-Length: 2"),
        ]
        for text in texts {
            let (result, _) = dribble(Array(text.utf8)) {
                ResponseHeadParser().parse($0, requestMethod: "GET", searchFrom: $1)
            }
            XCTAssertEqual(result, parse(text), text)
        }
    }
}

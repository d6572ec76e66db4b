import XCTest
@testable import ProxyCore

/// The byte-level helpers the codecs use instead of String and Character processing.
final class HTTPSyntaxTests: XCTestCase {
    private func elements(_ value: String) -> [String] {
        var found: [String] = []
        HTTPSyntax.forEachListElement(value) { element in
            found.append(String(decoding: element, as: UTF8.self))
            return true
        }
        return found
    }

    func testListElementsAreTrimmedAndKeepEmptyOnes() {
        XCTAssertEqual(elements("close"), ["close"])
        XCTAssertEqual(elements(" a ,\tb,c "), ["a", "b", "c"])
        XCTAssertEqual(elements("a,,b,"), ["a", "", "b", ""])
        XCTAssertEqual(elements(""), [""])
        XCTAssertEqual(elements(" , "), ["", ""])
        XCTAssertEqual(elements("é, x"), ["é", "x"])
    }

    func testListScanStopsWhenAsked() {
        var seen = 0
        HTTPSyntax.forEachListElement("a, b, c") { _ in
            seen += 1
            return seen < 2
        }
        XCTAssertEqual(seen, 2)
    }

    func testCaseFolding() {
        func check(_ text: String, _ literal: StaticString) -> Bool {
            var text = text
            return text.withUTF8 { HTTPSyntax.equalsLowercase(UnsafeRawBufferPointer($0), literal) }
        }
        XCTAssertTrue(check("Keep-Alive", "keep-alive"))
        XCTAssertTrue(check("CLOSE", "close"))
        XCTAssertFalse(check("close ", "close"))
        XCTAssertFalse(check("clos", "close"))
        // Only A-Z fold: '@' | 0x20 is '`', and that must not make them equal.
        XCTAssertFalse(check("@", "`"))
        XCTAssertTrue(withBytes("X-Custom") { a in withBytes("x-cUSTOM") { HTTPSyntax.equalsIgnoringCase(a, $0) } })
        XCTAssertFalse(withBytes("X-Custom") { a in withBytes("x-custo") { HTTPSyntax.equalsIgnoringCase(a, $0) } })
        XCTAssertFalse(withBytes("[") { a in withBytes("{") { HTTPSyntax.equalsIgnoringCase(a, $0) } })
    }

    func testParseDecimalRejectsWhatCouldTrap() {
        XCTAssertEqual(HTTPSyntax.parseDecimal("0042".utf8), 42)
        XCTAssertEqual(HTTPSyntax.parseDecimal("18446744073709551615".utf8), UInt64.max)
        XCTAssertNil(HTTPSyntax.parseDecimal("18446744073709551616".utf8))
        XCTAssertNil(HTTPSyntax.parseDecimal("".utf8))
        XCTAssertNil(HTTPSyntax.parseDecimal("+1".utf8))
        XCTAssertNil(HTTPSyntax.parseDecimal("1 ".utf8))
    }

    func testFieldNamesAreClassifiedCaseInsensitively() {
        let known: [(String, FieldName)] = [
            ("Connection", .connection), ("keep-alive", .keepAlive), ("Proxy-Connection", .proxyConnection),
            ("Proxy-Authenticate", .proxyAuthenticate), ("PROXY-AUTHORIZATION", .proxyAuthorization), ("TE", .te),
            ("Trailer", .trailer), ("Transfer-Encoding", .transferEncoding), ("Upgrade", .upgrade),
            ("host", .host), ("Content-Length", .contentLength), ("Expect", .expect),
            ("Authorization", .authorization),
        ]
        for (name, kind) in known { XCTAssertEqual(FieldName(name), kind, name) }
        for name in ["Accept", "Content-Type", "Hosts", "Te ", "Connectio", "Upgrad3", "", "Authorisation"] {
            XCTAssertNil(FieldName(name), name)
        }
        XCTAssertEqual(known.filter { $0.1.isHopByHop }.count, 9)
        XCTAssertFalse(FieldName.authorization.isHopByHop)
    }

    func testTransferCodingsSummary() {
        var codings = TransferCodings()
        XCTAssertFalse(codings.seen)
        codings.add("gzip, Chunked")
        XCTAssertTrue(codings.seen)
        XCTAssertEqual(codings.count, 2)
        XCTAssertEqual(codings.chunkedCount, 1)
        XCTAssertTrue(codings.lastIsChunked)
        XCTAssertEqual(codings.firstOther, "gzip")
        XCTAssertFalse(codings.malformed)
        codings.add("br")
        XCTAssertFalse(codings.lastIsChunked, "later fields continue the list")

        var empty = TransferCodings()
        empty.add("chunked, ")
        XCTAssertTrue(empty.malformed)
        XCTAssertTrue(empty.lastIsChunked, "the last non-empty coding decides a response's framing")

        var notToken = TransferCodings()
        notToken.add("chunked;q=1")
        XCTAssertTrue(notToken.malformed)
    }

    func testConnectionNominations() {
        XCTAssertFalse(HopByHop.nominatesFields(nil))
        XCTAssertFalse(HopByHop.nominatesFields("keep-alive"))
        XCTAssertFalse(HopByHop.nominatesFields("Close, , KEEP-ALIVE"))
        XCTAssertTrue(HopByHop.nominatesFields("keep-alive, X-Secret"))
        XCTAssertTrue(HopByHop.isNominated(HTTPField("x-secret", "1"), by: "keep-alive, X-Secret"))
        XCTAssertFalse(HopByHop.isNominated(HTTPField("X-Secrets", "1"), by: "keep-alive, X-Secret"))
        XCTAssertFalse(HopByHop.isNominated(HTTPField("Close", "1"), by: "close"))
    }

    func testFieldValueASCIIIsReported() {
        func parse(_ line: String) -> FieldLine? {
            withBytes(line) { b in
                if case .success(let field) = FieldLine.parse(b, 0..<b.count) { return field }
                return nil
            }
        }
        XCTAssertEqual(parse("Accept: text/html ")?.valueIsASCII, true)
        XCTAssertEqual(parse("X-Name: Zoë")?.valueIsASCII, false)
        XCTAssertEqual(parse("X-Name: Zoë")?.value, 8..<12)
        XCTAssertNil(parse("X-Bad: a\u{7F}b"))
    }

    func testHasNameFoldsOnlyTheFieldName() {
        XCTAssertTrue(HTTPField("AUTHORIZATION", "x").hasName("authorization"))
        XCTAssertFalse(HTTPField("authorization", "x").hasName("Authorization"))
        XCTAssertFalse(HTTPField("authorizatio", "x").hasName("authorization"))
    }

    func testTokenCharSetMatchesTheGrammar() {
        let tchar = Set("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        for b in UInt8.min...UInt8.max {
            XCTAssertEqual(HTTPSyntax.isTokenChar(b), tchar.contains(b), "byte \(b)")
        }
    }

    func testWordAtATimeValueScanAgreesWithTheByteRule() {
        for b in UInt8.min...UInt8.max {
            let expected = (0x20...0x7E).contains(b)
            XCTAssertEqual(FieldLine.isPlainASCII(0x4141_0061_4141_4141 | UInt64(b) << 40), expected, "byte \(b)")
            XCTAssertEqual(FieldLine.isPlainASCII(0x7E20_4141_4141_4100 | UInt64(b)), expected, "low byte \(b)")
        }
        XCTAssertTrue(FieldLine.isPlainASCII(0x7E20_7E20_2121_7E7E))
        // A control byte anywhere in a long value is found, whichever word it lands in.
        for position in 0..<21 {
            for bad: UInt8 in [0x00, 0x0D, 0x1F, 0x7F] {
                var line = Array("X: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 21)
                line[3 + position] = bad
                let result = line.withUnsafeBytes { FieldLine.parse($0, 0..<$0.count) }
                guard case .failure = result else { return XCTFail("byte \(bad) at \(position) accepted") }
            }
        }
        let long = "X: " + String(repeating: "abc\tdef ", count: 3) + "Zoë"
        let parsed = withBytes(long) { b in FieldLine.parse(b, 0..<b.count) }
        guard case .success(let field) = parsed else { return XCTFail("tab or obs-text refused") }
        XCTAssertFalse(field.valueIsASCII)
    }

    func testFieldClassificationFollowsTheName() {
        var field = HTTPField("Connection", "close")
        XCTAssertEqual(field.known, .connection)
        field.name = "X-Other"
        XCTAssertNil(field.known)
        field.name = "TE"
        XCTAssertEqual(field.known, .te)
        let parsed = withBytes("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nAccept: */*\r\n\r\n") {
            RequestHeadParser().parse($0)
        }
        guard case .complete(let head, _) = parsed else { return XCTFail("\(parsed)") }
        XCTAssertEqual(head.fields, [HTTPField("Host", "a"), HTTPField("Content-Length", "0"), HTTPField("Accept", "*/*")])
        XCTAssertEqual(head.fields.map(\.known), [.host, .contentLength, nil])
    }

    func testWrittenFieldLinesAreExact() {
        var out = IOBuffer()
        out.appendFieldLine("X-Empty", "")
        out.appendFieldLine("Name", "välue")
        out.append("")
        out.append("tail")
        XCTAssertEqual(String(decoding: out.readable, as: UTF8.self), "X-Empty: \r\nName: välue\r\ntail")
    }
}

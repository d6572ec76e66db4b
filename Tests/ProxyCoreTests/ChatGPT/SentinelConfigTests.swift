import Foundation
import XCTest

@testable import ProxyCore

final class SentinelConfigTests: XCTestCase {
    static let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    static let config = SentinelConfig(
        userAgent: chrome, buildID: "prod-5fe1c0a", deviceID: "8f6c1a52-3b5e-5d4e-9a7f-0c2d4e6f8a1b",
        dateText: "Tue Dec 01 2026 10:04:05 GMT-0800 (Pacific Standard Time)",
        performanceNow: 12345.6, timeOrigin: 1_780_000_000_000.5)

    /// The whole array, written out by hand from the spec's table and ChatGPTSite's values.
    func testJSONFollowsTheLayout() {
        let expected = #"[3000,"Tue Dec 01 2026 10:04:05 GMT-0800 (Pacific Standard Time)",4294705152,7,"# + #""\#(Self.chrome)","#
            + #""https://chatgpt.com/backend-api/sentinel/sdk.js","prod-5fe1c0a","en-US","en-US,en",12,"#
            + #""vendor−Google Inc.","location","onfocus",12345.6,"8f6c1a52-3b5e-5d4e-9a7f-0c2d4e6f8a1b","",8,"#
            + #"1780000000000.5,0,0,0,0,0,0,0]"#
        XCTAssertEqual(Self.config.json(nonce: 7, elapsed: 12), expected)
        XCTAssertEqual(ChatGPTSite.configLayout.count, 25)
    }

    func testStringsAreEscapedAsJSONStringifyDoes() {
        let cases: [(String, String)] = [
            ("plain", #""plain""#),
            (#"a"b\c/d"#, #""a\"b\\c/d""#),
            ("\n\r\t\u{8}\u{c}", #""\n\r\t\b\f""#),
            ("\u{0}\u{1}\u{1f}", #""\u0000\u0001\u001f""#),
            ("\u{7f} é − 😀 \u{2028}", "\"\u{7f} é − 😀 \u{2028}\""),
            ("", #""""#),
        ]
        for (text, expected) in cases {
            var out: [UInt8] = []
            BrowserJSON.appendString(text, to: &out)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), expected)
        }
    }

    func testNumbersAreWrittenAsJavaScriptDoes() {
        let cases: [(Double, String)] = [
            (0, "0"), (-0.0, "0"), (1, "1"), (3.0, "3"), (-1.5, "-1.5"), (100, "100"),
            (12345.6, "12345.6"), (1_780_000_000_000.5, "1780000000000.5"), (1_780_000_000_000, "1780000000000"),
            (0.123456789, "0.123456789"), (0.1 + 0.2, "0.30000000000000004"),
            (1e-5, "0.00001"), (1e-6, "0.000001"), (1e-7, "1e-7"), (2.5e-7, "2.5e-7"), (.leastNonzeroMagnitude, "5e-324"),
            (1e16, "10000000000000000"), (1e20, "100000000000000000000"),
            (1.2345678901234568e20, "123456789012345680000"), (1e21, "1e+21"), (1.5e300, "1.5e+300"),
            (.greatestFiniteMagnitude, "1.7976931348623157e+308"), (9_007_199_254_740_992, "9007199254740992"), (9_007_199_254_740_994, "9007199254740994"),
            (.nan, "null"), (.infinity, "null"), (-.infinity, "null"),
        ]
        for (value, expected) in cases {
            var out: [UInt8] = []
            BrowserJSON.appendNumber(value, to: &out)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), expected, "\(value)")
        }
        var out: [UInt8] = []
        BrowserJSON.appendInteger(4_294_705_152, to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "4294705152")
    }

    func testRequirementsToken() throws {
        for generation in [SentinelGeneration.c2026, .b2024] {
            let token = Self.config.requirementsToken(generation)
            let suffix = generation == .c2026 ? "~S" : ""
            XCTAssertTrue(token.hasPrefix("gAAAAAC"), token)
            XCTAssertTrue(token.hasSuffix(suffix), token)
            XCTAssertFalse(token.dropFirst(7).dropLast(suffix.count).contains("~"), token)
            let json = try XCTUnwrap(ProofOfWorkReference.base64Decode(String(token.dropFirst(7).dropLast(suffix.count))))
            let text = String(decoding: json, as: UTF8.self)
            let array = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json)) as? [Any])
            XCTAssertEqual(array.count, 25)
            XCTAssertEqual(array[3] as? Int, 1)
            // Element 9, a fraction, is the one value that differs from the template. Read with Swift's
            // correctly rounded parser: Foundation's on Linux can be off by an ulp.
            let template = Self.config.template
            let before = template.pieces[0] + Array("1".utf8) + template.pieces[1], after = template.pieces[2]
            XCTAssertEqual(template.slots, [.nonce, .elapsed])
            let elapsed = try XCTUnwrap(Double(String(decoding: json.dropFirst(before.count).dropLast(after.count),
                                                      as: UTF8.self)))
            XCTAssertTrue((0..<1).contains(elapsed), text)
            XCTAssertEqual(text, Self.config.json(nonce: 1, elapsed: elapsed))
        }
    }
}

@testable import ProxyCore
import XCTest

/// The small text formats of the login flows: forms, URLs, HTML scans, JSON.
final class LoginTextTests: XCTestCase {
    func testFormEncodingKeepsOrderAndEscapes() {
        let body = FormEncoding.encode([("callbackUrl", "/"), ("csrfToken", "a b+c&d=é"), ("json", "true")])
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "callbackUrl=/&csrfToken=a+b%2Bc%26d%3D%C3%A9&json=true")
        XCTAssertEqual(FormEncoding.query([("scope", "openid profile"), ("u", "https://x.test/cb")]),
                       "scope=openid%20profile&u=https%3A//x.test/cb")
    }

    func testFormDecodingIsTolerant() {
        XCTAssertEqual(FormEncoding.decode("a+b%2Bc%26%C3%A9"), "a b+c&é")
        XCTAssertEqual(FormEncoding.decode("100%"), "100%")
        XCTAssertEqual(FormEncoding.decode("%zz%4"), "%zz%4")
    }

    func testURLParsing() throws {
        let url = try XCTUnwrap(FlowURL("HTTPS://Auth.Test:8443/u/login?state=a%20b#frag"))
        XCTAssertEqual(url, FlowURL(secure: true, host: "auth.test", port: 8443, path: "/u/login", query: "state=a%20b"))
        XCTAssertEqual(url.queryValue("state"), "a b")
        XCTAssertNil(url.queryValue("code"))
        XCTAssertEqual(FlowURL("http://h.test")?.pathAndQuery, "/")
        XCTAssertEqual(FlowURL("http://[::1]:81/x")?.host, "::1")
        XCTAssertNil(FlowURL("ftp://h.test/"))
        XCTAssertNil(FlowURL("https://user:pw@h.test/"))
        XCTAssertNil(FlowURL("https:///nohost"))
    }

    func testLocationResolution() throws {
        let base = try XCTUnwrap(FlowURL("https://auth.test/u/login/password?state=S"))
        XCTAssertEqual(base.resolving("https://chat.test/api/cb?code=1")?.text, "https://chat.test/api/cb?code=1")
        XCTAssertEqual(base.resolving("HTTP://other.test:81")?.text, "http://other.test:81/")
        XCTAssertEqual(base.resolving("//cdn.test/a")?.text, "https://cdn.test/a")
        XCTAssertEqual(base.resolving("/authorize/resume?state=S")?.text, "https://auth.test/authorize/resume?state=S")
        XCTAssertEqual(base.resolving("identifier?state=T")?.text, "https://auth.test/u/login/identifier?state=T")
        XCTAssertEqual(base.resolving("../../x/./y")?.text, "https://auth.test/x/y")
        XCTAssertEqual(base.resolving("?state=U")?.text, "https://auth.test/u/login/password?state=U")
        XCTAssertEqual(base.resolving(" /a#f ")?.text, "https://auth.test/a")
        XCTAssertNil(base.resolving("javascript:alert(1)"))
        XCTAssertNil(base.resolving("https://a@b.test/"))
    }

    func testStateInputInAnyAttributeOrderAndQuoting() {
        let pages = [
            #"<form><input type="hidden" name="state" value="S1&amp;x"></form>"#,
            #"<INPUT value='S1&#38;x' TYPE=hidden name='state' />"#,
            "<input\n  name=state\n  value=S1&#x26;x>",
            #"<input name="other" value="no"><input data-x=">" name="state" value="S1&x">"#,
        ]
        for page in pages {
            XCTAssertEqual(HTMLScan.inputValue(named: "state", in: Array(page.utf8)), "S1&x", page)
        }
        XCTAssertNil(HTMLScan.inputValue(named: "state", in: Array("<p>name=\"state\" value=\"x\"</p>".utf8)))
        XCTAssertNil(HTMLScan.inputValue(named: "state", in: Array(
            "<!-- <input name=\"state\" value=\"c\"> --><script>'<input name=\"state\" value=\"s\">'</script>".utf8)))
        XCTAssertEqual(HTMLScan.inputValue(named: "state", in: Array("<input name=\"state\">".utf8)), "")
    }

    func testPromptAlertText() {
        let page = """
            <div class="c"><div id="prompt-alert" data-x="1">
              <div><p>Wrong email &amp; <b>password</b></p></div>
            </div><p>after</p></div>
            """
        XCTAssertEqual(HTMLScan.elementText(id: "prompt-alert", in: Array(page.utf8)), "Wrong email & password")
        XCTAssertNil(HTMLScan.elementText(id: "prompt-alert", in: Array("<p>no alert</p>".utf8)))
        XCTAssertEqual(HTMLScan.elementText(id: "prompt-alert", in: Array("<span id='prompt-alert'>cut".utf8)), "cut")
    }

    func testHTMLScansSurviveGarbage() {
        for page in ["<", "<input", "<input name='state", "<div id=\"prompt-alert\"", "&#99999999999;<", "</", "<!--"] {
            _ = HTMLScan.inputValue(named: "state", in: Array(page.utf8))
            _ = HTMLScan.elementText(id: "prompt-alert", in: Array(page.utf8))
        }
        XCTAssertEqual(HTMLEntities.decode(Array("&#0;&#x110000;&bogus;&#xD800;&lt".utf8)[...]), "\u{FFFD}\u{FFFD}&bogus;\u{FFFD}&lt")
    }

    /// A page of tags that never close: the scan stops at the first one instead of running to the end of the
    /// page once per `<` (about 10^9 steps for these 128 KB before, so this test would not finish).
    func testUnclosedTagsEndTheScanAtOnce() {
        let page = Array(String(repeating: "<a b=", count: 25_000).utf8) + Array("<input name=\"state\" value=\"S\">".utf8)
        var visited = 0
        HTMLTag.scan(page) { _ in
            visited += 1
            return true
        }
        XCTAssertLessThanOrEqual(visited, 1)
        XCTAssertEqual(HTMLScan.inputValue(named: "state", in: Array("<p>x</p><input name=state value=S>".utf8)), "S")
    }

    func testJSONStringMembers() throws {
        let text = #" {"n":1.5e3,"o":{"csrfToken":"inner"},"a":[1,[true,null],{"x":"y"}],"csrfToken":"t\"\\\/\u00e9\ud83d\ude00","e":""} "#
        let members = try XCTUnwrap(JSONObjectReader.strings(Array(text.utf8)))
        XCTAssertEqual(members.map(\.name), ["csrfToken", "e"])
        XCTAssertEqual(JSONObjectReader.string("csrfToken", in: Array(text.utf8)), "t\"\\/é😀")
        XCTAssertEqual(JSONObjectReader.string("d", in: Array(#"{"d":"a","d":"b"}"#.utf8)), "b")
        XCTAssertEqual(JSONObjectReader.string("d", in: Array(#"{"d":"\ud800x"}"#.utf8)), "\u{FFFD}x")
    }

    func testJSONRejectsWhatIsNotOneObject() {
        let bad = ["", "[]", "\"s\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":01}", "{\"a\":tru}",
                   "{\"a\":\"\u{1}\"}", "{\"a\":\"\\x\"}", "{} {}", "{\"a\":[1,]}", "{\"a\":{\"b\"}}", "{'a':1}",
                   "{\"a\":-}", "{\"a\":1.}", "{\"a\":\"\\u12\"}",
                   "{\"a\":" + String(repeating: "[", count: 100_000) + "}"]
        for text in bad {
            XCTAssertNil(JSONObjectReader.strings(Array(text.utf8)), text.prefix(40).debugDescription)
        }
        XCTAssertNotNil(JSONObjectReader.strings(Array("\u{FEFF}{}".utf8)), "a BOM is tolerated")
    }

    func testJSONObjectTextEscapes() {
        let bytes = JSONObjectText.strings([("client_id", "a\"b\\c\n"), ("code", "é")])
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), #"{"client_id":"a\"b\\c\n","code":"é"}"#)
        XCTAssertEqual(JSONObjectReader.string("client_id", in: bytes), "a\"b\\c\n")
    }
}

import XCTest
@testable import ProxyCore

final class ConversationBodyTests: XCTestCase {
    private func body(_ text: String) throws -> ConversationBody {
        try XCTUnwrap(ConversationBody(Array(text.utf8)), text)
    }

    func testGenerationCAddsThePrepareStateOnlyWhenAbsent() throws {
        let sent = "{\"action\":\"next\", \"model\":\"auto\",\"n\":1.50 }\n"
        XCTAssertEqual(String(decoding: try body(sent).prepared(for: .c2026), as: UTF8.self),
                       "{\"action\":\"next\", \"model\":\"auto\",\"n\":1.50 ,\"client_prepare_state\":\"success\"}\n")
        XCTAssertEqual(String(decoding: try body("{}").prepared(for: .c2026), as: UTF8.self),
                       "{\"client_prepare_state\":\"success\"}")
        let own = "{\"client_prepare_state\":\"sent\",\"x\":\"}\"}"
        XCTAssertEqual(String(decoding: try body(own).prepared(for: .c2026), as: UTF8.self), own)
        // Generation B sends the client's bytes as they are.
        XCTAssertEqual(try body(sent).prepared(for: .b2024), Array(sent.utf8))
    }

    func testOnlyAJSONObjectIsAConversationBody() {
        XCTAssertNil(ConversationBody(Array("[1]".utf8)))
        XCTAssertNil(ConversationBody(Array("{\"a\":".utf8)))
        XCTAssertNil(ConversationBody([]))
    }

    func testConduitPrepareBodyHasTheConversationsShapeWithoutMessages() throws {
        let sent = try body("""
            {"action":"next","messages":[{"content":{"parts":["secret"]}}],"conversation_id":"c-1",\
            "parent_message_id":"p-1","model":"gpt-5","timezone_offset_min":-60,"timezone":"Europe/Paris"}
            """)
        let prepare = try XCTUnwrap(JSONObjectReader.value(sent.conduitPrepareBody()))
        XCTAssertEqual(prepare["action"]?.string, "next")
        XCTAssertEqual(prepare["conversation_id"]?.string, "c-1")
        XCTAssertEqual(prepare["parent_message_id"]?.string, "p-1")
        XCTAssertEqual(prepare["model"]?.string, "gpt-5")
        XCTAssertEqual(prepare["client_prepare_state"]?.string, "none")
        XCTAssertEqual(prepare["timezone_offset_min"]?.number, -60)
        XCTAssertEqual(prepare["timezone"]?.string, "Europe/Paris")
        XCTAssertEqual(prepare["conversation_mode"]?["kind"]?.string, "primary_assistant")
        XCTAssertEqual(prepare["supports_buffering"]?.bool, true)
        XCTAssertNil(prepare["messages"])
        XCTAssertFalse(String(decoding: sent.conduitPrepareBody(), as: UTF8.self).contains("secret"))

        let minimal = try XCTUnwrap(JSONObjectReader.value(try body("{}").conduitPrepareBody()))
        XCTAssertEqual(minimal["model"]?.string, "auto")
        XCTAssertEqual(minimal["timezone"]?.string, ChatGPTSite.timeZone)
        XCTAssertEqual(minimal["parent_message_id"]?.string?.count, 36)
        XCTAssertNil(minimal["conversation_id"])
    }

    func testJSONValuesNestAndKeepNumbersAsText() throws {
        let value = try XCTUnwrap(JSONObjectReader.value(Array(
            "{\"a\":{\"b\":[true,null,1e3,\"x\\u00e9\"]},\"a2\":false,\"a2\":true}".utf8)))
        guard case .array(let elements)? = value["a"]?["b"] else { return XCTFail("no array") }
        XCTAssertEqual(elements.count, 4)
        XCTAssertEqual(elements[0].bool, true)
        XCTAssertEqual(elements[2].number, 1000)
        XCTAssertEqual(elements[3].string, "x\u{e9}")
        XCTAssertEqual(value["a2"]?.bool, true, "the last duplicate wins")
        XCTAssertNil(JSONObjectReader.value(Array("{\"a\":1} x".utf8)))
        let deep = String(repeating: "[", count: JSONObjectReader.maxDepth + 1) + String(repeating: "]", count: JSONObjectReader.maxDepth + 1)
        XCTAssertNil(JSONObjectReader.value(Array(deep.utf8)))
    }

    func testBase64DecodesBothAlphabetsWithOrWithoutPadding() {
        XCTAssertEqual(Base64.decode("aGk=".utf8), Array("hi".utf8))
        XCTAssertEqual(Base64.decode("aGk".utf8), Array("hi".utf8))
        XCTAssertEqual(Base64.decode("-_8".utf8), [0xFB, 0xFF])
        XCTAssertEqual(Base64.decode("+/8=".utf8), [0xFB, 0xFF])
        XCTAssertNil(Base64.decode("a".utf8))
        XCTAssertNil(Base64.decode("aG=k".utf8))
        XCTAssertNil(Base64.decode("a b".utf8))
        for length in 0..<8 {
            let bytes = (0..<length).map { UInt8($0 * 37 & 0xFF) }
            XCTAssertEqual(Base64.decode(Base64.encode(bytes).utf8), bytes)
        }
    }

    func testRefusalDetailsNameTheReasonWithoutTheWholePage() {
        func detail(_ text: String) -> String? { SiteRefusal.detail(of: Array(text.utf8)) }
        XCTAssertEqual(detail("{\"detail\":\"Unusual activity has been detected from your device.\"}"),
                       "Unusual activity has been detected from your device.")
        XCTAssertEqual(detail("{\"detail\":{\"message\":\"Token expired\"}}"), "Token expired")
        XCTAssertEqual(detail("<html><title>Just a moment...</title><script>window._cf_chl_opt={}</script>"),
                       "Cloudflare's challenge page (the site wants a browser check from this IP)")
        XCTAssertEqual(detail("  rate\nlimited  "), "rate limited")
        XCTAssertEqual(detail(String(repeating: "x", count: 500))?.count, 200)
        XCTAssertNil(detail(""))
    }
}

extension ConversationBodyTests {
    /// The id comes from the client and ends up in a Referer: only the site's id shape is used.
    func testAContinuedConversationIsSentFromItsPage() throws {
        XCTAssertEqual(try body("{\"conversation_id\":\"6751-ab_C\"}").conversationPage, "/c/6751-ab_C")
        XCTAssertNil(try body("{\"conversation_id\":\"a\\r\\nx: y\"}").conversationPage)
        XCTAssertNil(try body("{\"conversation_id\":\"../x\"}").conversationPage)
        XCTAssertNil(try body("{\"conversation_id\":\"\"}").conversationPage)
        XCTAssertNil(try body("{}").conversationPage)
    }

    func testOnlyVisibleASCIIFromTheSiteGoesIntoFields() {
        XCTAssertTrue(SentinelTurn.fitsAField("gAAAAAB-token_1/+=~S"))
        XCTAssertFalse(SentinelTurn.fitsAField("a\r\nx-injected: 1"))
        XCTAssertFalse(SentinelTurn.fitsAField("a b"))
        XCTAssertFalse(SentinelTurn.fitsAField(""))
        XCTAssertFalse(SentinelTurn.fitsAField("caf\u{e9}"))
    }
}

extension ConversationBodyTests {
    /// A body of megabytes is validated whole but only its top level is kept: no tree of its values.
    func testOnlyTheTopLevelOfABodyIsKept() throws {
        let shallow = try XCTUnwrap(JSONObjectReader.shallowValue(Array(#"{"a":[1,{"b":2}],"c":"x","d":{"e":1}}"#.utf8),
                                                                  keepDepth: 1))
        guard case .array(let elements)? = shallow["a"], case .object(let members)? = shallow["d"] else {
            return XCTFail("containers of the top level are kept, empty")
        }
        XCTAssertTrue(elements.isEmpty)
        XCTAssertTrue(members.isEmpty)
        XCTAssertEqual(shallow["c"]?.string, "x")
        // Below the kept depth the text must still be JSON.
        XCTAssertNil(JSONObjectReader.shallowValue(Array(#"{"a":[1,{"b":}]}"#.utf8), keepDepth: 1))
        let large = "{\"messages\":[" + Array(repeating: "0", count: 200_000).joined(separator: ",") + "],\"model\":\"m\"}"
        let body = try body(large)
        XCTAssertEqual(body.prepared(for: .c2026).count, large.utf8.count + ",\"client_prepare_state\":\"success\"".utf8.count)
    }
}

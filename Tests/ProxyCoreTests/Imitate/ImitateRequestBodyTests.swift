import XCTest
@testable import ProxyCore

final class ImitateRequestBodyTests: XCTestCase {
    private func request(_ text: String) throws -> ImitateRequest {
        try ImitateRequest(Array(text.utf8))
    }

    private func turn(_ request: ImitateRequest, historyEnabled: Bool = false) throws -> JSONValue {
        let bytes = request.conversationBody(historyEnabled: historyEnabled, messageID: "m-1", parentMessageID: "p-1")
        XCTAssertNotNil(ConversationBody(bytes))
        return try XCTUnwrap(JSONObjectReader.value(bytes), String(decoding: bytes, as: UTF8.self))
    }

    private func members(_ value: JSONValue) -> [String] {
        guard case .object(let members) = value else { return [] }
        return members.map(\.name)
    }

    private func parts(_ body: JSONValue) -> [JSONValue]? {
        guard case .array(let messages)? = body["messages"], messages.count == 1,
              case .array(let parts)? = messages[0]["content"]?["parts"] else { return nil }
        return parts
    }

    func testANewTurnHasEveryMemberTheWebAppSends() throws {
        let body = try turn(try request("""
            {"model":"gpt-3.5-turbo","reasoning_effort":"high","messages":[{"role":"user","content":"hello"}]}
            """))
        XCTAssertEqual(members(body), [
            "action", "messages", "parent_message_id", "model", "timezone_offset_min", "timezone",
            "history_and_training_disabled", "conversation_mode", "system_hints", "supports_buffering",
            "supported_encodings", "thinking_effort",
        ])
        XCTAssertEqual(body["action"]?.string, "next")
        XCTAssertNil(body["conversation_id"])
        XCTAssertEqual(body["parent_message_id"]?.string, "p-1")
        XCTAssertEqual(body["model"]?.string, "auto")
        XCTAssertEqual(body["timezone_offset_min"]?.number, 0)
        XCTAssertEqual(body["timezone"]?.string, "UTC")
        XCTAssertEqual(body["history_and_training_disabled"]?.bool, true)
        XCTAssertEqual(body["conversation_mode"]?["kind"]?.string, "primary_assistant")
        XCTAssertEqual(body["supports_buffering"]?.bool, true)
        XCTAssertEqual(body["thinking_effort"]?.string, "extended")
        guard case .array(let encodings)? = body["supported_encodings"] else { return XCTFail("encodings") }
        XCTAssertEqual(encodings.compactMap(\.string), ["v1"])
        guard case .array(let hints)? = body["system_hints"] else { return XCTFail("hints") }
        XCTAssertTrue(hints.isEmpty)

        guard case .array(let messages)? = body["messages"] else { return XCTFail("messages") }
        XCTAssertEqual(messages.count, 1)
        let message = messages[0]
        XCTAssertEqual(members(message), ["id", "author", "content", "metadata"])
        XCTAssertEqual(message["id"]?.string, "m-1")
        XCTAssertEqual(message["author"]?["role"]?.string, "user")
        XCTAssertEqual(message["content"]?["content_type"]?.string, "text")
        XCTAssertEqual(parts(body)?.compactMap(\.string), ["hello"])
    }

    func testHistoryOnlyWhenTurnedOnAndNoEffortUnlessAsked() throws {
        let plain = try request("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
        let body = try turn(plain, historyEnabled: true)
        XCTAssertEqual(body["history_and_training_disabled"]?.bool, false)
        XCTAssertNil(body["thinking_effort"])
    }

    func testFreshIDsAreVersion4UUIDs() throws {
        let plain = try request("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
        let first = try XCTUnwrap(JSONObjectReader.value(plain.conversationBody(historyEnabled: false)))
        let second = try XCTUnwrap(JSONObjectReader.value(plain.conversationBody(historyEnabled: false)))
        guard case .array(let messages)? = first["messages"] else { return XCTFail("messages") }
        let ids = [messages[0]["id"]?.string, first["parent_message_id"]?.string, second["parent_message_id"]?.string]
        for id in ids {
            let text = try XCTUnwrap(id)
            XCTAssertEqual(text.count, 36, text)
            XCTAssertEqual(Array(text)[14], "4", text)
        }
        XCTAssertEqual(Set(ids.compactMap { $0 }).count, 3)
    }

    func testTheExchangeIsFlattenedWithThePreambleFirst() throws {
        let single = try request("""
            {"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Why?"}]}
            """)
        XCTAssertEqual(single.prompt, "Be brief.\n\nWhy?")
        XCTAssertEqual(try request("{\"messages\":[{\"role\":\"user\",\"content\":\"Why?\"}]}").prompt, "Why?")

        let several = try request("""
            {"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},
            {"role":"assistant","content":"Hello."},{"role":"developer","content":"Use French."},
            {"role":"system","content":""},{"role":"user","content":"Why?"}]}
            """)
        XCTAssertEqual(several.prompt, "Be brief.\n\nUse French.\n\nUser:\nHi\n\nAssistant:\nHello.\n\nUser:\nWhy?")
        XCTAssertEqual(try parts(turn(several))?.compactMap(\.string), [several.prompt])
    }

    func testQuotesNewlinesAndUnicodeSurviveTheRoundTrip() throws {
        let text = "say \\\"hi\\\"\\n\\ttab \\\\ back\\u0001 é 日本 🎉 \\ud83d\\ude00 </script>"
        let sent = try request("{\"messages\":[{\"role\":\"user\",\"content\":\"\(text)\"}]}")
        let expected = "say \"hi\"\n\ttab \\ back\u{01} é 日本 🎉 😀 </script>"
        XCTAssertEqual(sent.prompt, expected)
        XCTAssertEqual(try parts(turn(sent))?.compactMap(\.string), [expected])
    }

    func testAContinuationNamesTheConversationAndTheLastAnswer() throws {
        let bytes = ImitateRequest.continuationBody(conversationID: "c-\"1", lastAssistantMessageID: "a-9",
                                                    model: "gpt-5", historyEnabled: false)
        let conversation = try XCTUnwrap(ConversationBody(bytes))
        XCTAssertEqual(conversation.conversationID, "c-\"1")
        let body = try XCTUnwrap(JSONObjectReader.value(bytes))
        XCTAssertEqual(body["action"]?.string, "continue")
        XCTAssertEqual(body["conversation_id"]?.string, "c-\"1")
        XCTAssertEqual(body["parent_message_id"]?.string, "a-9")
        XCTAssertEqual(body["model"]?.string, "gpt-5")
        XCTAssertNil(body["messages"])
        XCTAssertEqual(body["history_and_training_disabled"]?.bool, true)
        XCTAssertEqual(body["conversation_mode"]?["kind"]?.string, "primary_assistant")
        guard case .array(let encodings)? = body["supported_encodings"] else { return XCTFail("encodings") }
        XCTAssertEqual(encodings.compactMap(\.string), ["v1"])
        let withHistory = ImitateRequest.continuationBody(conversationID: "c", lastAssistantMessageID: "a",
                                                          model: "auto", historyEnabled: true)
        XCTAssertEqual(JSONObjectReader.value(withHistory)?["history_and_training_disabled"]?.bool, false)
    }
}

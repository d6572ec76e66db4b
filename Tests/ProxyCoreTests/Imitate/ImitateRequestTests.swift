import XCTest
@testable import ProxyCore

final class ImitateRequestTests: XCTestCase {
    private func parse(_ text: String) throws(ImitateError) -> ImitateRequest {
        try ImitateRequest(Array(text.utf8))
    }

    /// A request with `extra` members beside one user message.
    private func parse(with extra: String) throws(ImitateError) -> ImitateRequest {
        try parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + (extra.isEmpty ? "" : ",") + extra + "}")
    }

    /// The 400 a body gets, with its `param`.
    private func refusal(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ImitateError? {
        do {
            _ = try parse(text)
            XCTFail("accepted: \(text)", file: file, line: line)
            return nil
        } catch {
            XCTAssertEqual(error.status, 400, file: file, line: line)
            XCTAssertEqual(error.type, "invalid_request_error", file: file, line: line)
            return error
        }
    }

    private func refusal(with extra: String, file: StaticString = #filePath, line: UInt = #line) -> ImitateError? {
        refusal("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + extra + "}", file: file, line: line)
    }

    func testAPlainRequestGetsTheDefaults() throws {
        let request = try parse(with: "")
        XCTAssertEqual(request.messages, [.init(role: .user, text: "hi")])
        XCTAssertEqual(request.model, "auto")
        XCTAssertEqual(request.webModel, "auto")
        XCTAssertFalse(request.stream)
        XCTAssertFalse(request.includeUsage)
        XCTAssertNil(request.maxTokens)
        XCTAssertEqual(request.stop, [])
        XCTAssertNil(request.thinkingEffort)
    }

    func testTheBodyMustBeAJSONObject() {
        for text in ["", "[]", "\"x\"", "{\"messages\":", "{} x"] {
            XCTAssertNil(refusal(text)?.param, text)
        }
    }

    func testMessagesAreRequiredAndNotEmpty() {
        XCTAssertEqual(refusal("{}")?.param, "messages")
        XCTAssertEqual(refusal("{\"messages\":null}")?.param, "messages")
        XCTAssertEqual(refusal("{\"messages\":[]}")?.param, "messages")
        XCTAssertEqual(refusal("{\"messages\":{\"role\":\"user\"}}")?.param, "messages")
        XCTAssertEqual(refusal("{\"messages\":[\"hi\"]}")?.param, "messages[0]")
        XCTAssertEqual(refusal("{\"messages\":[{\"content\":\"hi\"}]}")?.param, "messages[0].role")
    }

    func testEveryRoleAndBothContentShapes() throws {
        let request = try parse("""
            {"messages":[{"role":"system","content":"s"},{"role":"developer","content":[{"type":"text","text":"d"}]},
            {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],"name":"ann"},
            {"role":"assistant","content":null},{"role":"assistant","content":"x"},{"role":"user","content":""}]}
            """)
        XCTAssertEqual(request.messages, [
            .init(role: .system, text: "s"), .init(role: .developer, text: "d"), .init(role: .user, text: "a\nb"),
            .init(role: .assistant, text: ""), .init(role: .assistant, text: "x"), .init(role: .user, text: ""),
        ])
    }

    func testToolAndUnknownRolesAreRefused() {
        for role in ["tool", "function", "bot", "User"] {
            let error = refusal("{\"messages\":[{\"role\":\"\(role)\",\"content\":\"x\"},{\"role\":\"user\",\"content\":\"y\"}]}")
            XCTAssertEqual(error?.param, "messages[0].role", role)
            XCTAssert(error?.message.contains(role) == true, role)
        }
        XCTAssert(refusal("{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}")?.message.contains("tool") == true)
        let calls = refusal("""
            {"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"1"}]},{"role":"user","content":"y"}]}
            """)
        XCTAssertEqual(calls?.param, "messages[0].tool_calls")
    }

    func testTheLastTurnMustBeTheUsers() {
        XCTAssertEqual(refusal("{\"messages\":[{\"role\":\"system\",\"content\":\"s\"}]}")?.param, "messages")
        XCTAssertEqual(refusal("""
            {"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}
            """)?.param, "messages")
        // A system message after the last user message is part of the preamble, not a turn.
        XCTAssertNoThrow(try parse("{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"system\",\"content\":\"s\"}]}"))
    }

    func testContentMustBeTextAndImagesAreRefusedAsSuch() {
        for type in ["image_url", "input_image"] {
            let error = refusal("""
                {"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"\(type)","\(type)":{"url":"x"}}]}]}
                """)
            XCTAssertEqual(error?.param, "messages[0].content[1].type")
            XCTAssert(error?.message.contains("Images are not supported") == true, type)
        }
        let audio = refusal("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}")
        XCTAssertEqual(audio?.param, "messages[0].content[0].type")
        XCTAssert(audio?.message.contains("'input_audio'") == true)
        XCTAssertEqual(refusal("{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"a\"}]}]}")?.param,
                       "messages[0].content[0].type")
        XCTAssertEqual(refusal("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":1}]}]}")?.param,
                       "messages[0].content[0].text")
        XCTAssertEqual(refusal("{\"messages\":[{\"role\":\"user\",\"content\":7}]}")?.param, "messages[0].content")
        XCTAssertEqual(refusal("{\"messages\":[{\"role\":\"user\"}]}")?.param, "messages[0].content")
    }

    func testModelsGoThroughTheAliasTable() throws {
        let expected = ["gpt-4o": "gpt-4o", "gpt-4": "gpt-4", "gpt-3.5-turbo": "auto", "gpt-4o-mini": "gpt-4o-mini",
                        "o1": "o1", "o3": "o3", "o4-mini": "o4-mini", "gpt-5": "gpt-5", "gpt-5-thinking": "gpt-5-thinking",
                        "some-new-model": "some-new-model", "auto": "auto"]
        for (name, web) in expected {
            let request = try parse(with: "\"model\":\"\(name)\"")
            XCTAssertEqual(request.model, name)
            XCTAssertEqual(request.webModel, web, name)
        }
        XCTAssertEqual(try parse(with: "\"model\":null").webModel, "auto")
        XCTAssertEqual(refusal(with: "\"model\":4")?.param, "model")
    }

    func testStreamingOptions() throws {
        let request = try parse(with: "\"stream\":true,\"stream_options\":{\"include_usage\":true}")
        XCTAssertTrue(request.stream)
        XCTAssertTrue(request.includeUsage)
        XCTAssertFalse(try parse(with: "\"stream\":false,\"stream_options\":null").includeUsage)
        XCTAssertEqual(refusal(with: "\"stream\":\"yes\"")?.param, "stream")
        XCTAssertEqual(refusal(with: "\"stream_options\":true")?.param, "stream_options")
        XCTAssertEqual(refusal(with: "\"stream_options\":{\"include_usage\":1}")?.param, "stream_options.include_usage")
    }

    func testTokenLimitsArePositiveIntegers() throws {
        XCTAssertEqual(try parse(with: "\"max_tokens\":5").maxTokens, 5)
        XCTAssertEqual(try parse(with: "\"max_completion_tokens\":7").maxTokens, 7)
        XCTAssertEqual(try parse(with: "\"max_tokens\":5,\"max_completion_tokens\":7").maxTokens, 7)
        XCTAssertNil(try parse(with: "\"max_tokens\":null").maxTokens)
        for field in ["max_tokens", "max_completion_tokens"] {
            for value in ["0", "-1", "2.5", "10.0", "1e3", "\"5\"", "true", "99999999999999999999"] {
                XCTAssertEqual(refusal(with: "\"\(field)\":\(value)")?.param, field, value)
            }
        }
    }

    func testStopIsAStringOrUpToFourStrings() throws {
        XCTAssertEqual(try parse(with: "\"stop\":\"END\"").stop, ["END"])
        XCTAssertEqual(try parse(with: "\"stop\":[\"a\",\"b\",\"c\",\"d\"]").stop, ["a", "b", "c", "d"])
        XCTAssertEqual(try parse(with: "\"stop\":null").stop, [])
        let long = String(repeating: "x", count: 1025)
        XCTAssertEqual(try parse(with: "\"stop\":\"\(long.dropLast())\"").stop, [String(long.dropLast())])
        for value in ["[\"a\",\"b\",\"c\",\"d\",\"e\"]", "[1]", "3", "{}", "\"\(long)\"", "[\"a\",\"\(long)\"]"] {
            XCTAssertEqual(refusal(with: "\"stop\":\(value)")?.param, "stop", value)
        }
    }

    func testReasoningEffortMapsToTheWebsThinkingEffort() throws {
        let expected = ["minimal": "min", "low": "min", "medium": "standard", "high": "extended"]
        for (api, web) in expected {
            XCTAssertEqual(try parse(with: "\"reasoning_effort\":\"\(api)\"").thinkingEffort, web, api)
        }
        XCTAssertEqual(refusal(with: "\"reasoning_effort\":\"max\"")?.param, "reasoning_effort")
        XCTAssertEqual(refusal(with: "\"reasoning_effort\":1")?.param, "reasoning_effort")
    }

    func testFieldsTheWebCannotHonourAreRefusedUnlessDefault() throws {
        let cases: [(field: String, defaults: [String], refused: [String])] = [
            ("temperature", ["1", "1.0", "null"], ["0", "0.2", "2", "\"1\""]),
            ("top_p", ["1", "null"], ["0.9", "0"]),
            ("n", ["1", "null"], ["2", "0"]),
            ("presence_penalty", ["0", "0.0"], ["0.5", "-1"]),
            ("frequency_penalty", ["0", "null"], ["1"]),
            ("logprobs", ["false", "null"], ["true"]),
            ("top_logprobs", ["0", "null"], ["3"]),
            ("tools", ["[]", "null"], ["[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]", "{}"]),
            ("functions", ["[]"], ["[{\"name\":\"f\"}]"]),
            ("tool_choice", ["\"none\"", "null"], ["\"auto\"", "\"required\"", "{\"type\":\"function\"}"]),
            ("function_call", ["\"none\""], ["\"auto\""]),
            ("response_format", ["{\"type\":\"text\"}", "null"], ["{\"type\":\"json_object\"}", "{}", "\"text\""]),
            ("modalities", ["[\"text\"]"], ["[\"text\",\"audio\"]"]),
            ("audio", ["null"], ["{\"voice\":\"alloy\"}"]),
            ("prediction", ["null"], ["{\"type\":\"content\",\"content\":\"x\"}"]),
        ]
        for (field, defaults, refused) in cases {
            for value in defaults {
                XCTAssertNoThrow(try parse(with: "\"\(field)\":\(value)"), "\(field): \(value)")
            }
            for value in refused {
                let error = refusal(with: "\"\(field)\":\(value)")
                XCTAssertEqual(error?.param, field, "\(field): \(value)")
                XCTAssertEqual(error?.code, "unsupported_parameter", "\(field): \(value)")
                XCTAssert(error?.message.contains("'\(field)'") == true, "\(field): \(value)")
            }
        }
    }

    func testIgnoredFieldsChangeNothing() throws {
        let request = try parse(with: """
            "seed":42,"logit_bias":{"50256":-100},"user":"u","metadata":{"a":"b"},"store":true,\
            "service_tier":"auto","parallel_tool_calls":false,"something_new":[1]
            """)
        XCTAssertEqual(request, try parse(with: ""))
    }
}

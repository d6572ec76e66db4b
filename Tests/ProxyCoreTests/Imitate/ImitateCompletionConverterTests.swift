@testable import ProxyCore
import XCTest

/// From ChatGPT web's answer stream to OpenAI chunks: which text goes out, once, and how it is written.
final class ImitateCompletionConverterTests: XCTestCase {
    private typealias T = ImitateText

    /// A delta-v1 answer with a user echo, reasoning, a tool call, a tool's result and the answer, in the order a
    /// thinking model with a tool sends them.
    static let deltaStream: [UInt8] = Array(([
        "event: delta_encoding\ndata: \"v1\"\n\n",
        "event: delta\ndata: {\"p\":\"\",\"o\":\"add\",\"v\":\(T.document(T.message(id: "u1", role: "user", text: "Hi"))),\"c\":0}\n\n",
        "event: delta\ndata: {\"v\":\(T.document(T.message(id: "r1", channel: "analysis"))),\"c\":1}\n\n",
        "event: delta\ndata: {\"p\":\"/message/content/parts/0\",\"o\":\"append\",\"v\":\"Thinking\"}\n\n",
        "data: {\"v\":\" hard\"}\n\n",
        "data: {\"type\":\"server_ste_metadata\",\"metadata\":{}}\n\n",
        "event: delta\ndata: {\"v\":\(T.document(T.message(id: "t1", recipient: "browser", text: "search(x)"))),\"c\":2}\n\n",
        "data: {\"p\":\"/message/content/parts/0\",\"o\":\"append\",\"v\":\" more\"}\n\n",
        "event: delta\ndata: {\"v\":\(T.document(T.message(id: "tool1", role: "tool", text: "result"))),\"c\":3}\n\n",
        ": keep-alive\n\n",
        "event: delta\ndata: {\"v\":\(T.document(T.message(id: "a1"))),\"c\":4}\n\n",
        "event: delta\r\ndata: {\"p\":\"/message/content/parts/0\",\"o\":\"append\",\"v\":\"Hel\"}\r\n\r\n",
        "data: {\"v\":\"lo \\\"wörld\\\"\\n\"}\n\n",
        "data: {\"p\":\"\",\"o\":\"patch\",\"v\":[{\"p\":\"/message/content/parts/0\",\"o\":\"append\",\"v\":\"😀!\"},"
            + "{\"p\":\"/message/status\",\"o\":\"replace\",\"v\":\"finished_successfully\"},"
            + "{\"p\":\"/message/metadata\",\"o\":\"append\",\"v\":{\"finish_details\":{\"type\":\"stop\"}}}]}\n\n",
        "data: {\"type\":\"title_generation\",\"title\":\"x\"}\n\n",
        "data: {\"type\":\"message_stream_complete\"}\n\n",
        "data: [DONE]\n\n",
    ] as [String]).joined().utf8)

    private static let expectedDeltas: [CompletionEvent] = [
        .reasoning("Thinking"), .reasoning(" hard"),
        .content("Hel"), .content("lo \"wörld\"\n"), .content("😀!"),
    ]

    private func converted(_ pieces: [ArraySlice<UInt8>]) throws -> (AnswerStreamConverter, [CompletionEvent]) {
        var stream = AnswerStreamConverter()
        var events: [CompletionEvent] = []
        for piece in pieces { events += stream.feed(piece) }
        events += stream.end()
        return (stream, events)
    }

    func testReasoningAndTextOfTheUserOnlyToolsExcluded() throws {
        let (stream, events) = try converted([Self.deltaStream[...]])
        XCTAssertEqual(events, Self.expectedDeltas)
        XCTAssertEqual(stream.state, .done)
        XCTAssertEqual(stream.converter.lastAssistantMessageID, "a1")
        XCTAssertEqual(stream.converter.conversationID, "conv-1")
        XCTAssertFalse(stream.converter.siteMaxTokens)
    }

    func testAStreamCutAtEveryByteGivesTheSameText() throws {
        let whole = Self.expectedDeltas.map(Self.text).joined()
        for cut in 0...Self.deltaStream.count {
            let (_, events) = try converted([Self.deltaStream[..<cut], Self.deltaStream[cut...]])
            // Deltas may be cut differently only where the events are; the text is the same at every cut.
            XCTAssertEqual(events.map(Self.text).joined(), whole, "cut at \(cut)")
            XCTAssertEqual(events, Self.expectedDeltas, "cut at \(cut)")
        }
        let (_, events) = try converted(Self.deltaStream.indices.map { Self.deltaStream[$0...$0] })
        XCTAssertEqual(events, Self.expectedDeltas)
    }

    func testTheFullMessageFormat() throws {
        let lines = [
            T.document(T.message(id: "u1", role: "user", text: "Hi")),
            T.document(T.message(id: "a1", text: "He")),
            "{\"type\":\"moderation\",\"message_id\":\"a1\",\"moderation_response\":{}}",
            T.document(T.message(id: "a1", text: "Hello")),
            T.document(T.message(id: "a1", text: "Hello there", finish: "max_tokens")),
            "[DONE]",
        ]
        let (stream, events) = try converted([Array(lines.map { "data: \($0)\n\n" }.joined().utf8)[...]])
        XCTAssertEqual(events, [.content("He"), .content("llo"), .content(" there")])
        XCTAssertTrue(stream.converter.siteMaxTokens)
    }

    func testRewrittenTextIsNeverSentAgainAndANewMessageRestarts() {
        var converter = CompletionConverter()
        func observe(_ message: String) -> [CompletionEvent] {
            converter.observe(JSONObjectReader.value(Array(T.document(message).utf8))!)
        }
        XCTAssertEqual(observe(T.message(id: "a", text: "Hello wor")), [.content("Hello wor")])
        XCTAssertEqual(observe(T.message(id: "a", text: "Hello")), [])
        XCTAssertEqual(observe(T.message(id: "a", text: "Hello wo")), [])
        XCTAssertEqual(observe(T.message(id: "a", text: "Hello world")), [.content("ld")])
        // Changed before the sent length: only what lies past it goes out, from a whole character on.
        XCTAssertEqual(observe(T.message(id: "a", text: "Hi ééééé!")), [.content("é!")])
        XCTAssertEqual(observe(T.message(id: "a", text: "Hi éééééé")), [])
        XCTAssertEqual(observe(T.message(id: "b", type: "continue", text: "More")), [.content("More")])
        XCTAssertEqual(observe(T.message(id: "c", type: "variant", text: "Other")), [])
        XCTAssertEqual(observe(T.message(id: "d", channel: "final", text: "Final")), [.content("Final")])
        // A message that comes back after another (a continuation that reasons first) goes on from what was sent.
        XCTAssertEqual(observe(T.message(id: "a", text: "Hi éééééé and more")), [.content(" and more")])
    }

    func testChunksAreOpenAIChunksWithEscaping() {
        let writer = CompletionChunkWriter(id: "chatcmpl-\"1\"", created: 1_790_000_000, model: "gpt-5\\x")
        let head = "data: {\"id\":\"chatcmpl-\\\"1\\\"\",\"object\":\"chat.completion.chunk\",\"created\":1790000000,"
            + "\"model\":\"gpt-5\\\\x\",\"choices\":[{\"index\":0,"
        XCTAssertEqual(String(decoding: writer.chunk(.content("a\"b\n\u{1}"), role: true), as: UTF8.self),
                       head + "\"delta\":{\"role\":\"assistant\",\"content\":\"a\\\"b\\n\\u0001\"},\"finish_reason\":null}]}\n\n")
        XCTAssertEqual(String(decoding: writer.chunk(.reasoning("r")), as: UTF8.self),
                       head + "\"delta\":{\"reasoning_content\":\"r\"},\"finish_reason\":null}]}\n\n")
        XCTAssertEqual(String(decoding: writer.chunk(.finish(.length)), as: UTF8.self),
                       head + "\"delta\":{},\"finish_reason\":\"length\"}]}\n\n")
        XCTAssertEqual(String(decoding: writer.usageChunk(CompletionUsage(promptTokens: 3, completionTokens: 4)),
                              as: UTF8.self),
                       "data: {\"id\":\"chatcmpl-\\\"1\\\"\",\"object\":\"chat.completion.chunk\",\"created\":1790000000,"
                           + "\"model\":\"gpt-5\\\\x\",\"choices\":[],"
                           + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}\n\n")
        XCTAssertEqual(String(decoding: CompletionChunkWriter.done, as: UTF8.self), "data: [DONE]\n\n")
        // Every chunk is JSON.
        for event in Self.expectedDeltas + [.finish(.stop)] {
            let chunk = writer.chunk(event)
            XCTAssertNotNil(JSONObjectReader.value(Array(chunk.dropFirst(6).dropLast(2))))
        }
    }

    func testNotStreamedTheAnswerIsOneCompletion() throws {
        let (_, events) = try converted([Self.deltaStream[...]])
        var accumulator = CompletionAccumulator()
        for event in events + [.finish(.stop)] { accumulator.add(event) }
        let text = String(decoding: accumulator.completion(id: "chatcmpl-1", created: 5, model: "m"), as: UTF8.self)
        XCTAssertEqual(text, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":5,\"model\":\"m\","
                           + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                           + "\"content\":\"Hello \\\"wörld\\\"\\n😀!\",\"reasoning_content\":\"Thinking hard\"},"
                           + "\"finish_reason\":\"stop\"}]}")
        let counted = accumulator.completion(id: "i", created: 5, model: "m",
                                             usage: CompletionUsage(promptTokens: 1, completionTokens: 2))
        XCTAssertNotNil(JSONObjectReader.value(counted)?["usage"]?["total_tokens"])
    }

    private static func text(_ event: CompletionEvent) -> String {
        switch event {
        case .content(let text), .reasoning(let text): return text
        case .finish: return ""
        }
    }
}

import Foundation
import XCTest

/// The fake's scripted answers against its reference client and the test's own stream reader (FakeAnswerReader),
/// without proxyd: what a script says is what the stream means, in both formats, and continuations, refusals,
/// the models list and cancellations are recorded as the /imitate tests rely on.
final class FakeChatGPTAnswerSelfTests: XCTestCase {
    private var pki: TestPKI!
    private var site: FakeChatGPT!
    private var client: FakeChatGPTReferenceClient!

    override func setUpWithError() throws {
        try super.setUpWithError()
        pki = try TestPKI.shared.get()
        site = try FakeChatGPT(pki: pki)
        site.configure { $0.streamDelayMs = 0 }
        client = try FakeChatGPTReferenceClient(site: site, pki: pki, accountID: "acct-answer-self")
        try client.bootstrap()
    }

    override func tearDown() {
        site?.shutdown()
        super.tearDown()
    }

    /// A conversation body as proxyd's /imitate sends it.
    private func body(_ action: String = "next", encodings: [String] = ["v1"], extra: [String: Any] = [:]) -> [UInt8] {
        var object: [String: Any] = ["action": action, "parent_message_id": UUID().uuidString.lowercased(), "model": "gpt-5",
                                     "history_and_training_disabled": true, "supported_encodings": encodings]
        if action == "next" {
            object["messages"] = [["id": UUID().uuidString.lowercased(), "author": ["role": "user"],
                                   "content": ["content_type": "text", "parts": ["hi"]], "metadata": [:] as [String: Any]]]
        }
        object.merge(extra) { $1 }
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    private func converse(_ body: [UInt8], stopAfter: Int? = nil) throws -> (reader: FakeAnswerReader, text: String) {
        let answer = try client.converse(body, tokens: try client.handshakeC(), stopAfter: stopAfter)
        return (try FakeAnswerReader(answer.text), answer.text)
    }

    func testAnInterleavedScriptReadsBackInBothFormats() throws {
        site.configure { $0.answer = .interleaved }
        for encodings in [["v1"], []] {
            let mark = site.mark
            let (reader, text) = try converse(body(encodings: encodings))
            XCTAssertEqual(site.refusals(since: mark), [])
            XCTAssertEqual(reader.deltaEncoding, encodings == ["v1"])
            XCTAssertEqual(reader.content, FakeAnswerScript.interleaved.content, text)
            XCTAssertEqual(reader.reasoning, FakeAnswerScript.interleaved.reasoning)
            XCTAssertEqual(reader.content, "The sum is **42** — checked ✓. Anything else?")
            let messages = reader.orderedMessages
            XCTAssertEqual(messages.count, 6)
            XCTAssertEqual(messages[1]["recipient"] as? String, "python")
            XCTAssertEqual((messages[1]["content"] as? [String: Any])?["content_type"] as? String, "code")
            XCTAssertEqual(FakeAnswerReader.text(of: messages[1]), "print(17 + 25)")
            XCTAssertEqual(FakeAnswerReader.role(of: messages[2]), "tool")
            XCTAssertEqual(reader.finish, "stop")
            XCTAssertTrue(reader.done)
            XCTAssertEqual(reader.eventTypes, ["resume_conversation_token", "moderation", "server_ste_metadata",
                                               "message_stream_complete", "title_generation"])
            if encodings == ["v1"] { XCTAssertEqual(reader.documentNumbers, [0, 1, 2, 3, 4, 5]) }
            let record = try XCTUnwrap(site.records(.conversation, since: mark).first)
            XCTAssertEqual(String(decoding: record.responseBody, as: UTF8.self), text, "a small answer is recorded whole")
            XCTAssertEqual(site.streamEnd(of: record)?.cancelled, false)
        }
    }

    func testEveryDeltaOperationIsUsedAndMeansTheScript() throws {
        site.configure { $0.answer = .everyOperation }
        let (reader, text) = try converse(body())
        XCTAssertEqual(reader.content, FakeAnswerScript.everyOperation.content, text)
        XCTAssertEqual(reader.reasoning, "thinking about it")
        for operation in ["add", "replace", "append", "truncate", "remove", "patch", "shorthand", "numbered shorthand",
                          "array append", "start by add", "start by v"] {
            XCTAssertTrue(reader.operations.contains(operation), "\(operation) not used: \(reader.operations.sorted())")
        }
        XCTAssertTrue(text.contains(#""o":"truncate""#))
        XCTAssertEqual(reader.documentNumbers, [0, 1, 2, 3])
    }

    func testTheFormatKnobOverridesTheRequest() throws {
        site.configure {
            $0.answer = .text(["a", "b"])
            $0.format = .full
        }
        let (reader, text) = try converse(body(encodings: ["v1"]))
        XCTAssertFalse(reader.deltaEncoding, text)
        XCTAssertEqual(reader.content, "ab")
    }

    func testAMaxTokensFinishIsContinuedOnlyWithTheRightIds() throws {
        site.configure { $0.segments = [.text(["One ", "two "], finish: .maxTokens), .text(["three."])] }
        let (first, _) = try converse(body())
        XCTAssertEqual(first.finish, "max_tokens")
        let conversation = try XCTUnwrap(first.conversationID)
        let last = try XCTUnwrap(first.order.last)

        let mark = site.mark
        for (extra, status) in [(["conversation_id": UUID().uuidString.lowercased(), "parent_message_id": last], 404),
                                (["conversation_id": conversation, "parent_message_id": UUID().uuidString.lowercased()], 400)] {
            let failed = try XCTUnwrap(refusal { try converse(body("continue", extra: extra)) })
            XCTAssertEqual(failed.response.status, status, "\(failed)")
        }
        XCTAssertEqual(site.refusals(since: mark).count, 2)

        let (second, _) = try converse(body("continue", extra: ["conversation_id": conversation, "parent_message_id": last]))
        XCTAssertEqual(second.order, [last], "the site goes on in the same message")
        XCTAssertEqual(second.content, "One two three.")
        XCTAssertEqual(second.finish, "stop")
        XCTAssertEqual(second.conversationID, conversation)
        let metadata = second.orderedMessages.first?["metadata"] as? [String: Any]
        XCTAssertEqual(metadata?["message_type"] as? String, "continue")

        let failed = try XCTUnwrap(refusal { try converse(body("continue", extra: ["conversation_id": conversation,
                                                                                   "parent_message_id": last])) })
        XCTAssertEqual(failed.response.status, 400, "no third segment: \(failed)")
    }

    func testAContinuationMayComeAsANewMessage() throws {
        var continued = FakeAnswerScript.text(["more"])
        continued.continuation = .newMessage
        site.configure { $0.segments = [.text(["start "], finish: .maxTokens), continued] }
        let (first, _) = try converse(body(encodings: []))
        let extra = ["conversation_id": try XCTUnwrap(first.conversationID), "parent_message_id": try XCTUnwrap(first.order.last)]
        let (second, _) = try converse(body("continue", encodings: [], extra: extra))
        XCTAssertNotEqual(second.order, first.order)
        XCTAssertEqual(second.content, "more")
    }

    func testAHandoffEndsTheStreamWithItsTopic() throws {
        var script = FakeAnswerScript.interleaved
        script.handoff = FakeAnswerHandoff(topicID: "topic-self-1", afterMessages: 1)
        site.configure { $0.answer = script }
        let (reader, text) = try converse(body())
        XCTAssertEqual(reader.orderedMessages.count, 1)
        XCTAssertEqual(reader.content, "")
        XCTAssertTrue(text.contains(#""topic_id":"topic-self-1""#), text)
        XCTAssertTrue(reader.eventTypes.contains("stream_handoff"))
        XCTAssertFalse(reader.done, "the stream ends without [DONE]")
    }

    func testASiteErrorComesInTheDocumentInBothFormats() throws {
        var script = FakeAnswerScript.text(["partial"])
        script.siteError = "Something went wrong while generating the response."
        site.configure { $0.answer = script }
        for encodings in [["v1"], []] {
            let (reader, text) = try converse(body(encodings: encodings))
            XCTAssertEqual(reader.siteErrors, ["Something went wrong while generating the response."], text)
            XCTAssertNil(reader.finish)
        }
    }

    func testALargeAnswerIsMadeAsItIsWritten() throws {
        site.configure { $0.answer = .large(bytes: 1 << 20) }
        let mark = site.mark
        let answer = try client.converse(body(), tokens: try client.handshakeC())
        let record = try XCTUnwrap(site.records(.conversation, since: mark).first)
        XCTAssertEqual(record.responseBody, [], "not recorded whole")
        XCTAssertEqual(site.streamByteCount(of: record), answer.body.count)
        XCTAssertGreaterThan(answer.body.count, 1 << 20)
        XCTAssertTrue(answer.text.hasSuffix("data: [DONE]\n\n"))
        XCTAssertTrue(answer.text.contains(#"{"v":"16382 xxx"#), "the pieces are numbered")
        XCTAssertEqual(site.streamEnd(of: record)?.cancelled, false)
    }

    func testAClientThatLeavesMidStreamIsRecordedAsCancelled() throws {
        var script = FakeAnswerScript(messages: [.generated(count: 400) { "piece \($0) " }])
        script.delayMs = { _ in 10 }
        site.configure { $0.answer = script }
        let mark = site.mark
        let partial = try client.converse(body(), tokens: try client.handshakeC(), stopAfter: 2000)
        XCTAssertLessThan(partial.body.count, 3000)
        let record = try XCTUnwrap(site.records(.conversation, since: mark).first)
        let end = try XCTUnwrap(site.waitForStreamEnd(of: record, timeout: 2), "no end recorded")
        XCTAssertTrue(end.cancelled)
        XCTAssertLessThan(end.writes, 400)
    }

    func testTheModelsListNeedsAnAccessToken() throws {
        let mark = site.mark
        let answer = try client.models()
        XCTAssertEqual(answer.status, 200)
        let json = try XCTUnwrap((try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any])
        let slugs = (json["models"] as? [[String: Any]])?.compactMap { $0["slug"] as? String }
        XCTAssertEqual(slugs, FakeChatGPTModels.defaultSlugs)
        XCTAssertEqual(site.records(.models, since: mark).count, 1)
        XCTAssertEqual(try client.models(authorized: false).status, 401)
    }

    func testARefusalCarriesTheTestsHeaders() throws {
        site.configure {
            $0.refusals[.conversation] = (429, #"{"detail":"Too many requests"}"#)
            $0.refusalHeaders[.conversation] = [("retry-after", "17")]
        }
        let failed = try XCTUnwrap(refusal { try converse(body()) })
        XCTAssertEqual(failed.response.status, 429)
        XCTAssertEqual(failed.response.header("retry-after"), "17")
    }
}

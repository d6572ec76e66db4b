import Foundation
import XCTest

/// `POST /imitate/v1/chat/completions` through the OpenAI Python SDK: the answer the fake scripted, as the SDK
/// sees it, streamed and not, from either stream format, with tool calls and reasoning in between.
final class ImitateCompletionTests: ImitateTestCase {
    static let greeting = FakeAnswerScript.text(["Héllo", " from the ", "fake — ", "✓ ", "done."])
    override class var countsTokens: Bool { true }

    func testAStreamedAnswerReachesTheSDKWhole() throws {
        fake.configure { $0.answer = Self.greeting }
        let mark = fake.mark
        let results = try sdkChat([Self.request(stream: true), Self.request(stream: true, model: "gpt-4o")])
        var ids: Set<String> = []
        for (result, model) in zip(results, [Self.model, "gpt-4o"]) {
            guard assertSDKSucceeded(result, since: mark) else { return }
            XCTAssertEqual(result["content"] as? String, Self.greeting.content)
            XCTAssertEqual(result["finish_reasons"] as? [String], ["stop"])
            let chunks = result["chunks"] as? [[String: Any]] ?? []
            let first = (chunks.first?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]
            XCTAssertEqual(first?["role"] as? String, "assistant", "the role comes in the first delta")
            let chunkIDs = Set(chunks.compactMap { $0["id"] as? String })
            XCTAssertEqual(chunkIDs.count, 1, "one id per answer: \(chunkIDs)")
            ids.formUnion(chunkIDs)
            for chunk in chunks {
                XCTAssertEqual(chunk["object"] as? String, "chat.completion.chunk")
                XCTAssertEqual(chunk["model"] as? String, model, "the model the client named")
                assertCreatedIsNow(chunk["created"], result)
            }
            assertUsage(chunks.last?["usage"], asked: false)
        }
        XCTAssertEqual(ids.count, 2, "ids differ between answers")
        XCTAssertTrue(ids.allSatisfy { $0.hasPrefix("chatcmpl-") }, "\(ids)")

        let sent = conversations(since: mark)
        XCTAssertEqual(sent.count, 2)
        for (conversation, model) in zip(sent, [Self.model, "gpt-4o"]) {
            XCTAssertEqual(conversation.body["action"] as? String, "next")
            XCTAssertEqual(conversation.body["model"] as? String, model)
            XCTAssertEqual(conversation.body["history_and_training_disabled"] as? Bool, true)
            XCTAssertEqual(conversation.body["supported_encodings"] as? [String], ["v1"])
            let message = (conversation.body["messages"] as? [[String: Any]])?.first
            XCTAssertEqual((message?["author"] as? [String: Any])?["role"] as? String, "user")
            XCTAssertEqual(((message?["content"] as? [String: Any])?["parts"] as? [String])?.first, Self.prompt)
        }
    }

    /// The site's stream in each coding the browser offers (flushed per write, as a CDN compresses an event
    /// stream): proxyd decodes it before converting, whatever the OpenAI client accepted.
    func testACodedStreamIsDecodedBeforeItIsConverted() throws {
        for coding in ["gzip", "deflate", "br", "zstd"] {
            fake.configure {
                $0.answer = Self.greeting
                $0.conversationCoding = coding
            }
            let mark = fake.mark
            let results = try sdkChat([Self.request(stream: true), Self.request(stream: false)])
            for result in results {
                guard assertSDKSucceeded(result, since: mark) else { return }
                let choice = ((result["completion"] as? [String: Any])?["choices"] as? [[String: Any]])?.first
                let content = result["content"] as? String ?? (choice?["message"] as? [String: Any])?["content"] as? String
                XCTAssertEqual(content, Self.greeting.content, coding)
            }
            XCTAssertEqual(fake.records(.conversation, since: mark).count, 2)
        }
    }

    func testAnAnswerNotStreamedIsOneCompletion() throws {
        fake.configure { $0.answer = Self.greeting }
        let mark = fake.mark
        let result = try sdkChat(Self.request(stream: false))
        guard assertSDKSucceeded(result, since: mark) else { return }
        let completion = result["completion"] as? [String: Any] ?? [:]
        XCTAssertTrue((completion["id"] as? String)?.hasPrefix("chatcmpl-") == true, "\(completion)")
        XCTAssertEqual(completion["object"] as? String, "chat.completion")
        XCTAssertEqual(completion["model"] as? String, Self.model)
        assertCreatedIsNow(completion["created"], result)
        let choice = (completion["choices"] as? [[String: Any]])?.first
        let message = choice?["message"] as? [String: Any]
        XCTAssertEqual(message?["role"] as? String, "assistant")
        XCTAssertEqual(message?["content"] as? String, Self.greeting.content)
        XCTAssertEqual(choice?["finish_reason"] as? String, "stop")
        assertUsage(completion["usage"], asked: true)
    }

    /// With `stream_options.include_usage`, a last chunk with no choices and the counts, when proxyd can count.
    func testUsageComesOnlyWhenProxydCanCount() throws {
        fake.configure { $0.answer = Self.greeting }
        let mark = fake.mark
        let result = try sdkChat(Self.request(stream: true, extra: ["stream_options": ["include_usage": true]]))
        guard assertSDKSucceeded(result, since: mark) else { return }
        let chunks = result["chunks"] as? [[String: Any]] ?? []
        let usageChunks = chunks.filter { !($0["usage"] is NSNull) && $0["usage"] != nil }
        if countsTokens {
            XCTAssertEqual(usageChunks.count, 1)
            XCTAssertEqual((usageChunks.first?["choices"] as? [Any])?.count, 0)
            assertUsage(usageChunks.first?["usage"], asked: true)
        } else {
            XCTAssertEqual(usageChunks.count, 0, "no usage without the vocabulary")
        }
    }

    /// Every delta operation, and the full-message format (forced: proxyd always asks for v1), give the same text.
    func testEveryDeltaOperationAndTheFullFormatGiveTheScriptsText() throws {
        let script = FakeAnswerScript.everyOperation
        for format in [FakeAnswerFormat.delta, .full] {
            fake.configure {
                $0.answer = script
                $0.format = format
            }
            let mark = fake.mark
            let results = try sdkChat([Self.request(stream: true), Self.request(stream: false)])
            for result in results {
                guard assertSDKSucceeded(result, since: mark) else { continue }
                let message = ((result["completion"] as? [String: Any])?["choices"] as? [[String: Any]])?.first?["message"]
                    as? [String: Any]
                XCTAssertEqual(result["content"] as? String ?? message?["content"] as? String, script.content, "\(format)")
                XCTAssertEqual(result["reasoning"] as? String ?? message?["reasoning_content"] as? String, script.reasoning,
                               "\(format)")
            }
            // The fake's stream really was in that format and used every operation.
            let reader = try answer(of: try XCTUnwrap(conversations(since: mark).first?.record))
            XCTAssertEqual(reader.deltaEncoding, format == .delta)
            if format == .delta { XCTAssertTrue(reader.operations.isSuperset(of: ["truncate", "remove", "patch", "numbered shorthand"])) }
        }
    }

    /// Reasoning, a python call and its output, then text, then more reasoning and text: `content` holds only the
    /// text for the user, `reasoning_content` the analysis; the tool's messages reach neither.
    func testToolCallsAndReasoningInterleaved() throws {
        let script = FakeAnswerScript.interleaved
        fake.configure { $0.answer = script }
        let mark = fake.mark
        let results = try sdkChat([Self.request(stream: true), Self.request(stream: false)])
        guard assertSDKSucceeded(results[0], since: mark), assertSDKSucceeded(results[1], since: mark) else { return }
        XCTAssertEqual(results[0]["content"] as? String, "The sum is **42** — checked ✓. Anything else?")
        XCTAssertEqual(results[0]["reasoning"] as? String, script.reasoning)
        let chunks = results[0]["chunks"] as? [[String: Any]] ?? []
        let first = (chunks.first?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]
        XCTAssertEqual(first?["role"] as? String, "assistant", "the role on the first delta, reasoning or not")
        let message = ((results[1]["completion"] as? [String: Any])?["choices"] as? [[String: Any]])?.first?["message"]
            as? [String: Any]
        XCTAssertEqual(message?["content"] as? String, script.content)
        XCTAssertEqual(message?["reasoning_content"] as? String, script.reasoning)
        for text in ["print(", "42\n"] {
            XCTAssertFalse((results[0]["content"] as? String ?? "").contains(text), "tool text leaked: \(text)")
        }
    }

    func testTheModelsListComesFromTheSite() throws {
        let mark = fake.mark
        let run = try PythonSDK.run("models.py", port: port, apiKey: Self.accountA)
        let json = try XCTUnwrap(run.json, run.explanation)
        guard assertSDKSucceeded(json, since: mark) else { return }
        let models = json["models"] as? [[String: Any]] ?? []
        XCTAssertEqual(models.compactMap { $0["id"] as? String }, FakeChatGPTModels.defaultSlugs)
        XCTAssertTrue(models.allSatisfy { $0["object"] as? String == "model" && $0["owned_by"] as? String == "openai" },
                      "\(models)")
        XCTAssertEqual(fake.records(.models, since: mark).count, 1)
        XCTAssertEqual(fake.records(.models, since: mark).first?.account, "acct-itest-a")
    }

    /// A field ChatGPT web cannot honour is refused before anything goes to the site, naming the field.
    func testATemperatureIsRefusedNamingTheParameter() throws {
        let mark = fake.mark
        let result = try sdkChat(Self.request(stream: false, extra: ["temperature": 0.2]))
        let error = sdkError(result)
        XCTAssertEqual(error["class"] as? String, "BadRequestError")
        XCTAssertEqual(error["status_code"] as? Int, 400)
        XCTAssertEqual(error["param"] as? String, "temperature")
        XCTAssertTrue((error["message"] as? String ?? "").contains("temperature"), "\(error)")
        XCTAssertEqual(fake.records(since: mark).count, 0, "nothing reached the site")
    }

    private func assertCreatedIsNow(_ created: Any?, _ result: [String: Any], file: StaticString = #filePath, line: UInt = #line) {
        let now = Date().timeIntervalSince1970
        guard let created = created as? Int else { return XCTFail("no created: \(String(describing: created))", file: file, line: line) }
        XCTAssertLessThan(abs(Double(created) - now), 30, "created \(created), now \(now)", file: file, line: line)
    }

    /// Usage is reported only when proxyd counts tokens; then the numbers add up.
    private func assertUsage(_ usage: Any?, asked: Bool, file: StaticString = #filePath, line: UInt = #line) {
        let usage = usage as? [String: Any]
        guard asked, countsTokens else {
            if !countsTokens { XCTAssertNil(usage, "usage without the vocabulary: \(usage ?? [:])", file: file, line: line) }
            return
        }
        // What tiktoken 0.14's o200k_base says of `prompt` and of the greeting's text (scripts/tokenizer-cases' encoding).
        XCTAssertEqual(usage?["prompt_tokens"] as? Int, 11, file: file, line: line)
        XCTAssertEqual(usage?["completion_tokens"] as? Int, 10, file: file, line: line)
        XCTAssertEqual(usage?["total_tokens"] as? Int, 21, file: file, line: line)
    }
}

@testable import ProxyCore
import XCTest

/// One completion's answer from the site's bytes to the client's: stop strings, continuation turns, the handoff
/// and the two shapes, without sockets.
final class ImitateAnswerTests: XCTestCase {
    private typealias T = ImitateText

    private func answer(_ body: String, continuations: Int = 3, tokenizer: Tokenizer? = nil) throws -> ImitateAnswer {
        ImitateAnswer(request: try ImitateRequest(Array(body.utf8)), id: "chatcmpl-1", created: 1_790_000_000,
                      continuations: continuations, historyEnabled: false, tokenizer: tokenizer)
    }

    private func site(_ pieces: [String], finish: String = "stop", id: String = "m1") -> [UInt8] {
        var datas = ["{\"p\":\"\",\"o\":\"add\",\"v\":\(T.document(T.message(id: id)))}"]
        datas += pieces.map { "{\"p\":\"/message/content/parts/0\",\"o\":\"append\",\"v\":\"\(LocalResponse.jsonEscaped($0))\"}" }
        datas.append("{\"p\":\"/message/metadata\",\"o\":\"add\",\"v\":{\"message_type\":\"next\","
                      + "\"finish_details\":{\"type\":\"\(finish)\"}}}")
        datas.append("[DONE]")
        return Array(datas.map { "data: \($0)\n\n" }.joined().utf8)
    }

    /// The `delta.content` texts and finish reasons of streamed events.
    private func deltas(_ out: [UInt8]) throws -> (texts: [String], finishes: [String], done: Bool) {
        var texts: [String] = [], finishes: [String] = []
        let events = String(decoding: out, as: UTF8.self).components(separatedBy: "\n\n").filter { !$0.isEmpty }
        for event in events where event != "data: [DONE]" {
            let value = try XCTUnwrap(JSONObjectReader.value(Array(event.dropFirst(6).utf8)))
            let choice = try XCTUnwrap(value["choices"]?.element(0))
            if let text = choice["delta"]?["content"]?.string { texts.append(text) }
            if let finish = choice["finish_reason"]?.string { finishes.append(finish) }
        }
        return (texts, finishes, events.last == "data: [DONE]")
    }

    func testStreamedAnswerCarriesTheRoleOnceAndEndsWithStopAndDone() throws {
        var answer = try answer(#"{"stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
        var out: [UInt8] = []
        let bytes = site(["Hel", "lo"])
        XCTAssertEqual(bytes.withUnsafeBytes { answer.feed($0, into: &out) }, .reading)
        XCTAssertEqual(answer.end(into: &out), .finished)
        let result = try deltas(out)
        XCTAssertEqual(result.texts.joined(), "Hello")
        XCTAssertEqual(result.finishes, ["stop"])
        XCTAssertTrue(result.done)
        XCTAssertEqual(String(decoding: out, as: UTF8.self).components(separatedBy: "\"role\":\"assistant\"").count, 2)
    }

    func testAStopSplitAcrossDeltasIsFoundAndNeverSent() throws {
        var answer = try answer(#"{"stream":true,"stop":["END"],"messages":[{"role":"user","content":"hi"}]}"#)
        var out: [UInt8] = []
        let bytes = site(["one E", "N", "D two"])
        XCTAssertEqual(bytes.withUnsafeBytes { answer.feed($0, into: &out) }, .finished)
        let result = try deltas(out)
        XCTAssertEqual(result.texts.joined(), "one ")
        XCTAssertEqual(result.finishes, ["stop"])
        XCTAssertTrue(result.done)
    }

    func testStopSequencesHoldOnlyWhatCouldStartOne() {
        var stops = StopSequences(["\n\nUser:", "é!"])
        XCTAssertEqual(stops.pass("abc\n").text, "abc")
        XCTAssertEqual(stops.pass("x").text, "\nx")
        XCTAssertEqual(stops.pass("caf").text, "caf")
        XCTAssertEqual(stops.pass("é").text, "")
        XCTAssertEqual(stops.pass("s").text, "és")
        XCTAssertEqual(stops.pass("é").text, "")
        XCTAssertEqual(stops.flush(), "é")
        var found = StopSequences(["\n\nUser:"])
        XCTAssertEqual(found.pass("ok\n\nUs").text, "ok")
        let last = found.pass("er: more")
        XCTAssertEqual(last.text, "")
        XCTAssertTrue(last.stopped)
        var none = StopSequences(["", ""])
        XCTAssertEqual(none.pass("anything").text, "anything")
    }

    func testASiteMaxTokensFinishContinuesThenEndsAsOneAnswer() throws {
        var answer = try answer(#"{"messages":[{"role":"user","content":"hi"}]}"#, continuations: 1)
        var out: [UInt8] = []
        _ = site(["Part one, "], finish: "max_tokens").withUnsafeBytes { answer.feed($0, into: &out) }
        guard case .continueTurn(let body) = answer.end(into: &out) else { return XCTFail("no continuation") }
        let continuation = try XCTUnwrap(JSONObjectReader.value(body))
        XCTAssertEqual(continuation["action"]?.string, "continue")
        XCTAssertEqual(continuation["conversation_id"]?.string, "conv-1")
        XCTAssertEqual(continuation["parent_message_id"]?.string, "m1")
        XCTAssertNil(continuation["messages"])
        // The continued message comes back under its id with the whole text; only the new part is added.
        _ = site(["Part one, ", "part two."], finish: "max_tokens").withUnsafeBytes { answer.feed($0, into: &out) }
        XCTAssertEqual(answer.end(into: &out), .finished, "no continuation is left: the answer ends")
        let whole = try XCTUnwrap(JSONObjectReader.value(answer.completion))
        let choice = try XCTUnwrap(whole["choices"]?.element(0))
        XCTAssertEqual(choice["message"]?["content"]?.string, "Part one, part two.")
        XCTAssertEqual(choice["finish_reason"]?.string, "length", "the site still stopped at its limit")
        XCTAssertEqual(out, [], "an answer not streamed writes nothing until it is complete")
    }

    func testAContinuationThatOnlyReasonsEndsTheAnswerInsteadOfContinuingAgain() throws {
        var answer = try answer(#"{"messages":[{"role":"user","content":"hi"}]}"#, continuations: 3)
        var out: [UInt8] = []
        _ = site(["Cut here"], finish: "max_tokens").withUnsafeBytes { answer.feed($0, into: &out) }
        guard case .continueTurn = answer.end(into: &out) else { return XCTFail("no continuation") }
        let reasoningOnly = "data: {\"p\":\"\",\"o\":\"add\",\"v\":\(T.document(T.message(id: "r1", channel: "analysis", text: "hm")))}"
            + "\n\ndata: [DONE]\n\n"
        _ = Array(reasoningOnly.utf8).withUnsafeBytes { answer.feed($0, into: &out) }
        XCTAssertEqual(answer.end(into: &out), .finished, "the site's earlier max_tokens does not ask again")
        let choice = try XCTUnwrap(JSONObjectReader.value(answer.completion)?["choices"]?.element(0))
        XCTAssertEqual(choice["finish_reason"]?.string, "stop")
        XCTAssertEqual(choice["message"]?["content"]?.string, "Cut here")
        XCTAssertEqual(choice["message"]?["reasoning_content"]?.string, "hm")
    }

    func testAHandoffFailsWithAnErrorThatSaysSoNeverAnEmptyStop() throws {
        var answer = try answer(#"{"stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
        var out: [UInt8] = []
        let bytes = Array(("data: {\"type\":\"stream_handoff\",\"options\":[{\"type\":\"subscribe_ws_topic\","
                           + "\"topic_id\":\"t-9\"}]}\n\n").utf8)
        XCTAssertEqual(bytes.withUnsafeBytes { answer.feed($0, into: &out) }, .reading)
        guard case .failed(let error) = answer.end(into: &out) else { return XCTFail("a handoff must fail") }
        XCTAssertEqual(error.status, 502)
        XCTAssertEqual(error.code, "stream_handoff")
        XCTAssertTrue(error.message.contains("WebSocket") && error.message.contains("t-9"), error.message)
        XCTAssertEqual(out, [])
    }

    func testSiteRefusalsKeepTheirStatusAndWait() {
        let limited = ImitateError.site(status: 429, fields: [HTTPField("Retry-After", "17")], body: Array("{}".utf8))
        XCTAssertEqual(limited.retryAfter, "17")
        XCTAssertEqual(limited.type, "rate_limit_error")
        let clears = ImitateError.site(status: 429, fields: [], body: Array(#"{"detail":{"clears_in":2.2}}"#.utf8))
        XCTAssertEqual(clears.retryAfter, "3")
        XCTAssertEqual(ImitateError.site(status: 429, fields: [], body: Array(#"{"clears_in":5}"#.utf8)).retryAfter, "5")
        let expired = ImitateError.site(status: 401, fields: [], body: Array(#"{"detail":"Your token has expired"}"#.utf8))
        XCTAssertEqual(expired.status, 401)
        XCTAssertEqual(expired.message, "chatgpt answered 401: Your token has expired")
        XCTAssertNil(expired.retryAfter)
        XCTAssertEqual(ImitateError.site(status: 503, fields: [], body: []).status, 502)
        XCTAssertNil(SiteRefusal.retryAfter(fields: [HTTPField("retry-after", "1\r\nX: y")], body: []))
    }

    func testModelsListIsOpenAIShapedWithoutInventedDates() throws {
        let site = #"{"models":[{"slug":"gpt-5","title":"GPT-5"},{"slug":"gpt-4o"},{"title":"no slug"}],"categories":[]}"#
        let list = try XCTUnwrap(ImitateModels.list(fromSite: Array(site.utf8)))
        XCTAssertEqual(list, #"{"object":"list","data":[{"id":"gpt-5","object":"model","owned_by":"openai"},"#
                       + #"{"id":"gpt-4o","object":"model","owned_by":"openai"}]}"#)
        XCTAssertNil(ImitateModels.list(fromSite: Array("{}".utf8)))
    }

    func testUsageIsCountedExactlyAndOnlyWithTheTokenizer() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        let body = #"{"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hi"}]}"#
        var counted = try answer(body, tokenizer: tokenizer)
        var out: [UInt8] = []
        _ = site(["Hello, ", "world! How are you today?"]).withUnsafeBytes { counted.feed($0, into: &out) }
        XCTAssertEqual(counted.end(into: &out), .finished)
        let events = String(decoding: out, as: UTF8.self).components(separatedBy: "\n\n").filter { !$0.isEmpty }
        XCTAssertEqual(events.last, "data: [DONE]")
        let usage = try XCTUnwrap(JSONObjectReader.value(Array(events[events.count - 2].dropFirst(6).utf8))?["usage"])
        XCTAssertEqual(usage["prompt_tokens"]?.number.map(Int.init), tokenizer.count("Say hi"))
        XCTAssertEqual(usage["completion_tokens"]?.number.map(Int.init),
                       tokenizer.count("Hello, world! How are you today?"))
        var uncounted = try answer(body)
        out = []
        _ = site(["Hello"]).withUnsafeBytes { uncounted.feed($0, into: &out) }
        _ = uncounted.end(into: &out)
        XCTAssertFalse(String(decoding: out, as: UTF8.self).contains("usage"), "no tokenizer, no usage: never invented")
    }

    func testMaxTokensCutsAtTheLimitWithFinishLength() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        let text = "One two three four five six seven eight nine ten."
        var answer = try answer(#"{"max_tokens":4,"messages":[{"role":"user","content":"count"}]}"#, tokenizer: tokenizer)
        var out: [UInt8] = []
        let progress = site(text.split(separator: " ").map { $0 + " " }).withUnsafeBytes { answer.feed($0, into: &out) }
        XCTAssertEqual(progress, .finished, "the limit ends the answer before the site does")
        let whole = try XCTUnwrap(JSONObjectReader.value(answer.completion))
        let choice = try XCTUnwrap(whole["choices"]?.element(0))
        let content = try XCTUnwrap(choice["message"]?["content"]?.string)
        XCTAssertEqual(choice["finish_reason"]?.string, "length")
        XCTAssertEqual(tokenizer.count(content), 4, content)
        XCTAssertTrue(text.hasPrefix(content), content)
        XCTAssertEqual(whole["usage"]?["completion_tokens"]?.number, 4)
    }
}

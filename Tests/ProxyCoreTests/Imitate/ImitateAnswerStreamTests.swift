@testable import ProxyCore
import XCTest

/// The per-read converter's ends: handoffs, broken streams, and a long answer in bounded memory.
final class ImitateAnswerStreamTests: XCTestCase {
    private typealias T = ImitateText

    private func bytes(_ datas: [String]) -> [UInt8] {
        Array(datas.map { "data: \($0)\n\n" }.joined().utf8)
    }

    func testAHandoffStopsTheStreamAndIsReported() throws {
        var stream = AnswerStreamConverter()
        let events = stream.feed(bytes([
            "{\"p\":\"\",\"o\":\"add\",\"v\":\(T.document(T.message(id: "a", text: "Hi")))}",
            "{\"type\":\"stream_handoff\",\"options\":[{\"type\":\"subscribe_ws_topic\",\"topic_id\":\"conversation-turn-1\"}]}",
            "{\"p\":\"/message/content/parts/0\",\"o\":\"append\",\"v\":\" ignored\"}",
        ]))
        XCTAssertEqual(events, [.content("Hi")])
        XCTAssertEqual(stream.state, .handoff(topicID: "conversation-turn-1"))
        XCTAssertEqual(stream.end(), [])
    }

    func testBrokenStreamsAreErrorsThatSayWhat() throws {
        let cases: [([UInt8], String)] = [
            (bytes(["{\"p\":\"/message/content/parts/0\",\"o\":\"append\",\"v\":\"x\"}"]), "an operation before the document"),
            (bytes(["{not json"]), "is no JSON"),
            (bytes(["{\"message\":null,\"conversation_id\":null,\"error\":\"Something went wrong\"}"]),
             "the site reported: Something went wrong"),
            (Array("data: \(String(repeating: "x", count: 100))".utf8), "larger than 64 bytes"),
        ]
        for (input, words) in cases {
            var stream = AnswerStreamConverter(maxEventBytes: words.contains("64") ? 64 : 4 << 20)
            XCTAssertEqual(stream.feed(input), [])
            guard case .failed(let error) = stream.state else { return XCTFail("\(words): no failure") }
            XCTAssertTrue("\(error)".contains(words), "\(error) should say \(words)")
        }
        // Text before the site's error in the same read still reaches the client, then the failure.
        var late = AnswerStreamConverter()
        XCTAssertEqual(late.feed(bytes(["{\"p\":\"\",\"o\":\"add\",\"v\":\(T.document(T.message(id: "a", text: "Partial")))}",
                                        "{\"p\":\"/error\",\"o\":\"replace\",\"v\":\"Something went wrong\"}",
                                        "{\"p\":\"/message/content/parts/0\",\"o\":\"append\",\"v\":\" ignored\"}"])),
                       [.content("Partial")])
        XCTAssertEqual(late.state, .failed(.site("Something went wrong")))
        var cut = AnswerStreamConverter()
        XCTAssertEqual(cut.feed(bytes(["{\"p\":\"\",\"o\":\"add\",\"v\":\(T.document(T.message(id: "a", text: "Hi")))}"])),
                       [.content("Hi")])
        XCTAssertEqual(cut.end(), [])
        XCTAssertEqual(cut.state, .failed(.truncated))
        // `[DONE]` without its blank line still ends the answer.
        var unended = AnswerStreamConverter()
        _ = unended.feed(Array("data: [DONE]".utf8))
        XCTAssertEqual(unended.end(), [])
        XCTAssertEqual(unended.state, .done)
    }

    func testAContinuationAddsToTheSameAnswer() throws {
        var stream = AnswerStreamConverter()
        var events = stream.feed(bytes([T.document(T.message(id: "a", text: "Part one", finish: "max_tokens")), "[DONE]"]))
        XCTAssertTrue(stream.converter.siteMaxTokens)
        stream.continueUpstream()
        events += stream.feed(bytes([T.document(T.message(id: "a", type: "continue", text: "Part one, two",
                                                              finish: "stop")), "[DONE]"]))
        events += stream.end()
        XCTAssertEqual(events, [.content("Part one"), .content(", two")])
        XCTAssertFalse(stream.converter.siteMaxTokens)
    }

    /// A megabyte of text in 10,000 appends: the document holds the message once, the converter holds no text,
    /// and the appends are made in place (with a copy per append this took half a minute in a debug build).
    func testALongAnswerIsHeldOnceAndAppendedInPlace() throws {
        var stream = AnswerStreamConverter()
        let piece = String(repeating: "abcdefghij", count: 10) + "\\n"
        let start = bytes(["\"v1\"", "{\"p\":\"\",\"o\":\"add\",\"v\":\(T.document(T.message(id: "a")))}",
                           "{\"p\":\"/message/content/parts/0\",\"o\":\"append\",\"v\":\"\(piece)\"}"])
        var received = 0
        for event in stream.feed(start) { if case .content(let text) = event { received += text.utf8.count } }
        let chunk = Array("event: delta\ndata: {\"v\":\"\(piece)\"}\n\n".utf8)
        let began = ContinuousClock.now
        for _ in 1..<10_000 {
            for event in stream.feed(chunk) { if case .content(let text) = event { received += text.utf8.count } }
        }
        let elapsed = ContinuousClock.now - began
        XCTAssertEqual(received, 10_000 * 101)
        let held = T.textBytes(stream.document.document)
        XCTAssertGreaterThanOrEqual(held, received)
        XCTAssertLessThan(held, received + 1_000, "the document holds the message, not the events")
        XCTAssertEqual(stream.converter.sentBytes, received)
        XCTAssertLessThan(elapsed, .seconds(30), "appends copied the text instead of extending it")
        print("10,000 appends to a 1 MB answer: \(elapsed)")
    }
}

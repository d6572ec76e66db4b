@testable import ProxyCore
import XCTest

/// The delta-v1 applier and the full-message format: each operation, the shorthand, numbered documents, patch.
final class ImitateAnswerDocumentTests: XCTestCase {
    private func applied(_ datas: [String], start: String = "{\"a\":\"x\",\"list\":[1,2,3],\"o\":{\"k\":1}}")
        throws -> AnswerDocument {
        var document = AnswerDocument()
        XCTAssertEqual(try document.apply(ImitateText.event("\"v1\"", name: "delta_encoding")), .ignored)
        XCTAssertEqual(try document.apply(ImitateText.event("{\"p\":\"\",\"o\":\"add\",\"v\":\(start)}")), .updated)
        for data in datas { XCTAssertEqual(try document.apply(ImitateText.event(data, name: "delta")), .updated) }
        return document
    }

    private func json(_ datas: [String]) throws -> String {
        ImitateText.json(try applied(datas).document)
    }

    func testAddSetsAMemberAnElementOrANewDocument() throws {
        XCTAssertEqual(try json(["{\"p\":\"/b\",\"o\":\"add\",\"v\":true}", "{\"p\":\"/o/k\",\"o\":\"add\",\"v\":2}",
                                 "{\"p\":\"/list/3\",\"o\":\"add\",\"v\":4}", "{\"p\":\"/list/-\",\"o\":\"add\",\"v\":5}"]),
                       "{\"a\":\"x\",\"list\":[1,2,3,4,5],\"o\":{\"k\":2},\"b\":true}")
        XCTAssertEqual(try json(["{\"p\":\"\",\"o\":\"add\",\"v\":{\"n\":1}}"]), "{\"n\":1}")
        XCTAssertEqual(try json(["{\"p\":\"/a~1b~0\",\"o\":\"add\",\"v\":null}"]),
                       "{\"a\":\"x\",\"list\":[1,2,3],\"o\":{\"k\":1},\"a/b~\":null}")
    }

    func testReplace() throws {
        XCTAssertEqual(try json(["{\"p\":\"/a\",\"o\":\"replace\",\"v\":\"y\"}", "{\"p\":\"/list/0\",\"o\":\"replace\",\"v\":9}"]),
                       "{\"a\":\"y\",\"list\":[9,2,3],\"o\":{\"k\":1}}")
    }

    func testAppendConcatenatesPushesAndMerges() throws {
        XCTAssertEqual(try json(["{\"p\":\"/a\",\"o\":\"append\",\"v\":\"yz\"}",
                                 "{\"p\":\"/list\",\"o\":\"append\",\"v\":4}",
                                 "{\"p\":\"/list\",\"o\":\"append\",\"v\":[5,6]}",
                                 "{\"p\":\"/o\",\"o\":\"append\",\"v\":{\"k\":2,\"l\":3}}",
                                 "{\"p\":\"/new\",\"o\":\"append\",\"v\":\"n\"}"]),
                       "{\"a\":\"xyz\",\"list\":[1,2,3,4,5,6],\"o\":{\"k\":2,\"l\":3},\"new\":\"n\"}")
    }

    func testTruncateCountsUTF16UnitsAndKeepsWholeCharacters() throws {
        XCTAssertEqual(try json(["{\"p\":\"/a\",\"o\":\"append\",\"v\":\"é😀z\"}", "{\"p\":\"/a\",\"o\":\"truncate\",\"v\":4}",
                                 "{\"p\":\"/list\",\"o\":\"truncate\",\"v\":1}"]),
                       "{\"a\":\"xé😀\",\"list\":[1],\"o\":{\"k\":1}}")
        XCTAssertEqual(try json(["{\"p\":\"/a\",\"o\":\"append\",\"v\":\"😀\"}", "{\"p\":\"/a\",\"o\":\"truncate\",\"v\":2}"]),
                       "{\"a\":\"x\",\"list\":[1,2,3],\"o\":{\"k\":1}}")
        XCTAssertEqual(try json(["{\"p\":\"/a\",\"o\":\"truncate\",\"v\":10}"]), "{\"a\":\"x\",\"list\":[1,2,3],\"o\":{\"k\":1}}")
    }

    func testRemove() throws {
        XCTAssertEqual(try json(["{\"p\":\"/a\",\"o\":\"remove\"}", "{\"p\":\"/list/1\",\"o\":\"remove\"}"]),
                       "{\"list\":[1,3],\"o\":{\"k\":1}}")
    }

    func testPatchAppliesItsOperationsInOrder() throws {
        XCTAssertEqual(try json(["{\"p\":\"\",\"o\":\"patch\",\"v\":[{\"p\":\"/a\",\"o\":\"append\",\"v\":\"1\"},"
                                 + "{\"p\":\"/a\",\"o\":\"append\",\"v\":\"2\"},{\"p\":\"/o/k\",\"o\":\"remove\"},"
                                 + "{\"p\":\"/a\",\"o\":\"truncate\",\"v\":2}]}"]),
                       "{\"a\":\"x1\",\"list\":[1,2,3],\"o\":{}}")
    }

    func testTheShorthandRepeatsThePreviousPathAndOperation() throws {
        XCTAssertEqual(try json(["{\"p\":\"/a\",\"o\":\"append\",\"v\":\"1\"}", "{\"v\":\"2\"}", "{\"v\":\"3\"}",
                                 "{\"p\":\"/list/0\",\"o\":\"replace\",\"v\":7}", "{\"v\":8}"]),
                       "{\"a\":\"x123\",\"list\":[8,2,3],\"o\":{\"k\":1}}")
    }

    func testNumberedDocumentsReplaceTheCurrentOne() throws {
        let document = try applied([
            "{\"v\":{\"message\":{\"id\":\"m1\"}},\"c\":1}", "{\"p\":\"/message/id\",\"o\":\"append\",\"v\":\"x\"}",
            "{\"p\":\"\",\"o\":\"add\",\"v\":{\"message\":{\"id\":\"m2\"}},\"c\":2}",
            "{\"p\":\"/message/id\",\"o\":\"append\",\"v\":\"y\",\"c\":2}", "{\"v\":\"z\"}", "{\"v\":\"!\",\"c\":2}",
        ])
        XCTAssertEqual(ImitateText.json(document.document), "{\"message\":{\"id\":\"m2yz!\"}}")
        XCTAssertEqual(document.documentNumber, 2)
    }

    func testFullMessageLinesReplaceTheDocument() throws {
        var document = AnswerDocument()
        let first = ImitateText.document(ImitateText.message(id: "a", text: "He"))
        let second = ImitateText.document(ImitateText.message(id: "a", text: "Hello"))
        XCTAssertEqual(try document.apply(ImitateText.event(first)), .updated)
        XCTAssertEqual(try document.apply(ImitateText.event(second)), .updated)
        XCTAssertEqual(ImitateText.json(document.document), second)
        XCTAssertFalse(document.deltaEncoding)
    }

    func testOtherEventsAreIgnoredAndAHandoffIsReported() throws {
        var document = AnswerDocument()
        for data in ["{\"type\":\"title_generation\",\"title\":\"T\"}", "{\"type\":\"server_ste_metadata\"}",
                     "{\"type\":\"message_stream_complete\"}", "{\"type\":\"moderation\",\"message_id\":\"a\"}",
                     "{\"type\":\"resume_conversation_token\",\"token\":\"t\"}", "\"v1\""] {
            XCTAssertEqual(try document.apply(ImitateText.event(data)), .ignored, data)
        }
        XCTAssertNil(document.document)
        XCTAssertEqual(try document.apply(ImitateText.event(
            "{\"type\":\"stream_handoff\",\"options\":[{\"type\":\"subscribe_ws_topic\",\"topic_id\":\"t-1\"}]}")),
                       .handoff(topicID: "t-1"))
        XCTAssertEqual(try document.apply(ImitateText.event("[DONE]")), .done)
        XCTAssertEqual(try document.apply(ImitateText.event("{\"message\":null,\"error\":\"Too many requests\"}")),
                       .siteError("Too many requests"))
    }

    func testMalformedEventsAreClearErrors() throws {
        let cases: [(String, String)] = [
            ("{\"p\":\"/a\",\"o\":\"append\"", "is no JSON"),
            ("{\"p\":\"/missing/x\",\"o\":\"replace\",\"v\":1}", "no member \"missing\""),
            ("{\"p\":\"a\",\"o\":\"add\",\"v\":1}", "no JSON Pointer"),
            ("{\"p\":\"/a\",\"o\":\"explode\",\"v\":1}", "unknown operation"),
            ("{\"p\":\"/list/9\",\"o\":\"replace\",\"v\":1}", "no index"),
            ("{\"p\":\"/a\",\"o\":\"append\",\"v\":1}", "does not fit"),
            ("{\"p\":\"/a\",\"o\":\"truncate\",\"v\":\"x\"}", "no integer"),
            ("{\"p\":\"\",\"o\":\"patch\",\"v\":3}", "no list"),
            ("{\"p\":\"/a/b\",\"o\":\"add\",\"v\":1}", "no object or array"),
        ]
        for (data, words) in cases {
            var document = try applied([])
            XCTAssertThrowsError(try document.apply(ImitateText.event(data)), data) { error in
                XCTAssertTrue((error as? DeltaError)?.description.contains(words) == true, "\(data): \(error)")
            }
            // The document is intact after a failed operation.
            XCTAssertEqual(ImitateText.json(document.document), "{\"a\":\"x\",\"list\":[1,2,3],\"o\":{\"k\":1}}", data)
        }
        var fresh = AnswerDocument()
        XCTAssertThrowsError(try fresh.apply(ImitateText.event("{\"v\":\"x\"}")))
        XCTAssertThrowsError(try fresh.apply(ImitateText.event("\"v2\"", name: "delta_encoding")))
    }
}

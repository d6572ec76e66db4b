@testable import ProxyCore
import XCTest

/// The event-stream parser under the reads a socket really delivers: events cut anywhere, either line end.
final class ImitateSSEEventParserTests: XCTestCase {
    private let stream = Array(
        "\u{FEFF}event: delta\r\ndata: {\"a\":1}\r\ndata:second\r\n\r\n: a comment\n\nid: 7\nretry: 10\ndata:  two spaces\n\n"
            .utf8)
        + Array("event: only a name\n\ndata\rdata: x\r\r".utf8)

    private let expected = [
        SSEEvent(name: "delta", data: Array("{\"a\":1}\nsecond".utf8)),
        SSEEvent(name: nil, data: Array(" two spaces".utf8)),
        SSEEvent(name: nil, data: Array("\nx".utf8)),
    ]

    func testEventsOfOneRead() throws {
        var parser = SSEEventParser()
        XCTAssertEqual(try parser.feed(stream), expected)
        XCTAssertNil(parser.finish())
    }

    func testEventsCutAtEveryByteGiveTheSameEvents() throws {
        for cut in 0...stream.count {
            var parser = SSEEventParser()
            let events = try parser.feed(stream[..<cut]) + parser.feed(stream[cut...])
            XCTAssertEqual(events, expected, "cut at \(cut)")
        }
        var parser = SSEEventParser()
        var events: [SSEEvent] = []
        for byte in stream { events += try parser.feed([byte]) }
        XCTAssertEqual(events, expected)
    }

    func testAnUnendedLastEventIsKeptAtTheEnd() throws {
        var parser = SSEEventParser()
        XCTAssertEqual(try parser.feed(Array("data: [DONE]".utf8)), [])
        XCTAssertEqual(parser.finish(), SSEEvent(name: nil, data: Array("[DONE]".utf8)))
        XCTAssertNil(parser.finish())
    }

    func testAnEventLargerThanTheLimitIsAnError() throws {
        var parser = SSEEventParser(maxEventBytes: 64)
        XCTAssertEqual(try parser.feed(Array("data: \(String(repeating: "a", count: 40))\n\n".utf8)).count, 1)
        XCTAssertThrowsError(try {
            for _ in 0..<10 { _ = try parser.feed(Array("data: \(String(repeating: "b", count: 20))\n".utf8)) }
        }()) { error in
            XCTAssertEqual(error as? SSEParseError, .eventTooLarge(limit: 64))
        }
        var endless = SSEEventParser(maxEventBytes: 64)
        XCTAssertThrowsError(try endless.feed([UInt8](repeating: 0x61, count: 65)))
    }
}

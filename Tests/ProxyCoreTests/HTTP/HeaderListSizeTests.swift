import XCTest
@testable import ProxyCore

/// SETTINGS_MAX_HEADER_LIST_SIZE as RFC 9113 section 6.5.2 counts it: name and value octets plus 32 per field.
final class HeaderListSizeTests: XCTestCase {
    /// Spans over one buffer, as HTTP2Session lays a request's fields out.
    private func spans(_ fields: [(String, String)]) -> [(name: Range<Int>, value: Range<Int>)] {
        var offset = 0
        return fields.map { name, value in
            let nameRange = offset..<(offset + name.utf8.count)
            offset = nameRange.upperBound
            let valueRange = offset..<(offset + value.utf8.count)
            offset = valueRange.upperBound
            return (nameRange, valueRange)
        }
    }

    func testEachFieldCountsItsOctetsPlus32() {
        XCTAssertEqual(HeaderListSize.field(nameCount: 0, valueCount: 0), 32)
        XCTAssertEqual(HeaderListSize.field(nameCount: 7, valueCount: 4), 43)
        XCTAssertEqual(HeaderListSize.of([]), 0)
        let request = spans([(":method", "GET"), (":authority", "chatgpt.com"), (":scheme", "https"), (":path", "/"),
                             ("authorization", "Bearer t"), ("x-big", String(repeating: "v", count: 20_000))])
        XCTAssertEqual(HeaderListSize.of(request), (7 + 3) + (10 + 11) + (7 + 5) + (5 + 1) + (13 + 8) + (5 + 20_000) + 6 * 32)
    }

    func testCheckAgainstThePeersLimit() {
        XCTAssertNil(HeaderListSize.check(16_384, peerLimit: 16_384))
        let refusal = HeaderListSize.check(16_385, peerLimit: 16_384)
        XCTAssertEqual(refusal?.status, 431)
        XCTAssertEqual(refusal?.message, "request header fields too large: 16385 bytes by HTTP/2's count, over the "
                       + "upstream's limit of 16384")
        XCTAssertNil(HeaderListSize.check(0, peerLimit: 0))
        XCTAssertNotNil(HeaderListSize.check(32, peerLimit: 0))
    }

    /// nghttp2's value for a setting the peer never sent: nginx's 32 KB of fields is assumed, since past it
    /// nginx ends the connection every stream shares.
    func testAServerWithoutALimitGetsNginxsDefault() {
        XCTAssertNil(HeaderListSize.check(32 * 1024, peerLimit: UInt32.max))
        XCTAssertEqual(HeaderListSize.check(32 * 1024 + 1, peerLimit: UInt32.max)?.status, 431)
    }
}

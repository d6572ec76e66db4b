@testable import ProxyCore
import XCTest

final class IOBufferTests: XCTestCase {
    func testAppendConsumeKeepsOrderAcrossGrowthAndCompaction() {
        var buffer = IOBuffer()
        var expected: [UInt8] = []
        var produced: UInt8 = 0
        // Interleave appends and partial consumes so both compaction and growth happen.
        for round in 0..<200 {
            let chunk = (0..<(round * 37 % 5000 + 1)).map { _ -> UInt8 in
                produced &+= 1
                return produced
            }
            chunk.withUnsafeBytes { buffer.append($0) }
            expected += chunk
            let take = buffer.readableCount / 2
            XCTAssertEqual(Array(buffer.readable.prefix(take)), Array(expected.prefix(take)))
            buffer.consume(take)
            expected.removeFirst(take)
            XCTAssertEqual(buffer.readableCount, expected.count)
        }
        XCTAssertEqual(Array(buffer.readable), expected)
    }

    /// Chunk sizes: lowercase hex, no leading zeros, as String(_:radix:16) wrote them.
    func testAppendHexWritesChunkSizes() {
        for value in [0, 1, 9, 10, 15, 16, 255, 4096, 0xABCDE, Int.max] {
            var buffer = IOBuffer()
            buffer.appendHex(value)
            XCTAssertEqual(String(decoding: buffer.readable, as: UTF8.self), String(value, radix: 16))
            buffer.release()
        }
    }

    func testReleaseFreesStorageOnlyWhenEmpty() {
        var buffer = IOBuffer()
        buffer.append("hello")
        buffer.releaseIfEmpty()
        XCTAssertEqual(buffer.capacity, 4096, "unread bytes must survive releaseIfEmpty")
        buffer.consume(5)
        XCTAssertTrue(buffer.isEmpty)
        buffer.releaseIfEmpty()
        XCTAssertEqual(buffer.capacity, 0)
        buffer.append("again")
        XCTAssertEqual(String(decoding: buffer.readable, as: UTF8.self), "again")
        buffer.release()
        XCTAssertEqual(buffer.readableCount, 0)
        XCTAssertEqual(buffer.capacity, 0)
    }

    func testWritableSpaceCompactsBeforeGrowing() {
        var buffer = IOBuffer()
        let space = buffer.writableSpace(minimum: 4096)
        XCTAssertEqual(space.count, 4096)
        buffer.didWrite(4000)
        buffer.consume(3990)
        // 10 unread bytes: a 4000-byte request fits after moving them to the front.
        _ = buffer.writableSpace(minimum: 4000)
        XCTAssertEqual(buffer.capacity, 4096)
        XCTAssertEqual(buffer.readableCount, 10)
    }
}

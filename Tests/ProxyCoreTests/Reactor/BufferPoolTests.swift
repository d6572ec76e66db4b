@testable import ProxyCore
import XCTest

final class BufferPoolTests: XCTestCase {
    func testTakeReusesWhatWasGivenBack() {
        let pool = BufferPool(limit: 2)
        let first = pool.take()
        pool.give(first)
        XCTAssertEqual(pool.spareCount, 1)
        XCTAssertEqual(pool.take(), first)
        XCTAssertEqual(pool.spareCount, 0)
        pool.give(first)
    }

    func testKeepsAtMostLimitBlocks() {
        let pool = BufferPool(limit: 2)
        let blocks = (0..<3).map { _ in pool.take() }
        for block in blocks { pool.give(block) }
        XCTAssertEqual(pool.spareCount, 2)
        pool.trim()
        XCTAssertEqual(pool.spareCount, 0)
    }

    /// An idle connection's buffer goes back to the pool, and the next exchange's comes from it.
    func testPooledBufferGivesItsStorageBackWhenReleased() {
        let pool = BufferPool()
        var buffer = IOBuffer(pool: pool)
        buffer.append("hello")
        XCTAssertEqual(buffer.capacity, BufferPool.blockSize)
        buffer.consume(5)
        buffer.releaseIfEmpty()
        XCTAssertEqual(buffer.capacity, 0)
        XCTAssertEqual(pool.spareCount, 1)
        buffer.append("again")
        XCTAssertEqual(pool.spareCount, 0)
        XCTAssertEqual(String(decoding: buffer.readable, as: UTF8.self), "again")
        buffer.release()
        XCTAssertEqual(pool.spareCount, 1)
    }

    /// Grown past a block, the buffer's storage is its own and freed as before; the block it left goes back.
    func testGrowingPastABlockReturnsTheBlock() {
        let pool = BufferPool()
        do {
            var buffer = IOBuffer(pool: pool)
            let big = [UInt8](repeating: 7, count: BufferPool.blockSize + 1)
            buffer.append("x")
            big.withUnsafeBytes { buffer.append($0) }
            XCTAssertEqual(buffer.capacity, 2 * BufferPool.blockSize)
            XCTAssertEqual(pool.spareCount, 1)
            XCTAssertEqual(buffer.readableCount, big.count + 1)
            XCTAssertEqual(buffer.readable.last, 7)
            pool.take().deallocate()  // emptied, so what follows shows the grown storage is not given back
        }
        XCTAssertEqual(pool.spareCount, 0)
    }

    func testDeinitGivesTheBlockBack() {
        let pool = BufferPool()
        do {
            var buffer = IOBuffer(pool: pool)
            buffer.append("unread")
        }
        XCTAssertEqual(pool.spareCount, 1)
    }
}

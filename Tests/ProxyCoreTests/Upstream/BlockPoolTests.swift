import CBlockPool
import XCTest

/// The allocator behind nghttp2 (`HTTP2Memory`): malloc, calloc, realloc and free as nghttp2_mem calls
/// them, the recycling, and the budget that bounds what a pool keeps.
final class BlockPoolTests: XCTestCase {
    private var pool = UnsafeMutablePointer<block_pool>.allocate(capacity: 1)

    override func setUp() {
        block_pool_init(pool, 1 << 20)
    }

    override func tearDown() {
        XCTAssertEqual(pool.pointee.live_blocks, 0, "a test leaked a block")
        block_pool_release(pool)
        XCTAssertEqual(pool.pointee.cached_bytes, 0)
        pool.deallocate()
    }

    private func malloc(_ size: Int) throws -> UnsafeMutableRawPointer {
        try XCTUnwrap(block_pool_malloc(size, pool))
    }

    private func free(_ pointer: UnsafeMutableRawPointer?) {
        block_pool_free(pointer, pool)
    }

    private static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
    }

    private func fill(_ pointer: UnsafeMutableRawPointer, _ count: Int) {
        pointer.copyMemory(from: Self.pattern(count), byteCount: count)
    }

    private func assertFilled(_ pointer: UnsafeMutableRawPointer, _ count: Int,
                              file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Array(UnsafeRawBufferPointer(start: pointer, count: count)), Self.pattern(count), file: file, line: line)
    }

    func testFreedBlocksComeBackForTheSameClass() throws {
        let a = try malloc(100)
        XCTAssertEqual(Int(bitPattern: a) % 16, 0, "malloc's alignment")
        fill(a, 100)
        free(a)
        XCTAssertEqual(pool.pointee.cached_bytes, 128, "100 bytes take the 128-byte class")
        let b = try malloc(65)
        XCTAssertEqual(b, a, "any size of the class reuses the block")
        XCTAssertEqual(pool.pointee.cached_bytes, 0)
        let c = try malloc(64)
        XCTAssertNotEqual(c, a, "the 64-byte class has its own list")
        free(b)
        free(c)
        XCTAssertEqual(pool.pointee.cached_bytes, 192)
    }

    func testSmallestClassHoldsZeroToSixteenBytes() throws {
        let a = try malloc(0)
        free(a)
        XCTAssertEqual(pool.pointee.cached_bytes, 16)
        XCTAssertEqual(try malloc(16), a)
        free(a)
    }

    func testCallocZeroesARecycledBlock() throws {
        let a = try malloc(256)
        fill(a, 256)
        free(a)
        let b = try XCTUnwrap(block_pool_calloc(8, 32, pool))
        XCTAssertEqual(b, a)
        XCTAssertEqual(Array(UnsafeRawBufferPointer(start: b, count: 256)), [UInt8](repeating: 0, count: 256))
        free(b)
    }

    func testCallocRefusesAnOverflowingSize() {
        XCTAssertNil(block_pool_calloc(Int.max / 2, 4, pool))
        XCTAssertEqual(pool.pointee.live_blocks, 0)
    }

    func testReallocOfNullIsMalloc() throws {
        let a = try XCTUnwrap(block_pool_realloc(nil, 40, pool))
        XCTAssertEqual(pool.pointee.live_blocks, 1)
        free(a)
        XCTAssertEqual(pool.pointee.cached_bytes, 64)
    }

    func testReallocGrowsIntoALargerClassWithTheContents() throws {
        let a = try malloc(30)
        fill(a, 30)
        let b = try XCTUnwrap(block_pool_realloc(a, 1000, pool))
        XCTAssertNotEqual(b, a)
        assertFilled(b, 30)
        XCTAssertEqual(pool.pointee.live_blocks, 1)
        XCTAssertEqual(pool.pointee.cached_bytes, 32, "the old block went back to its list")
        free(b)
    }

    func testReallocWithinTheClassOrSmallerKeepsTheBlock() throws {
        let a = try malloc(200)
        fill(a, 200)
        XCTAssertEqual(block_pool_realloc(a, 256, pool), a)
        XCTAssertEqual(block_pool_realloc(a, 10, pool), a)
        assertFilled(a, 10)
        free(a)
        XCTAssertEqual(pool.pointee.cached_bytes, 256, "still the 256-byte block")
    }

    func testFreeOfNullDoesNothing() {
        free(nil)
        XCTAssertEqual(pool.pointee.live_blocks, 0)
        XCTAssertEqual(pool.pointee.cached_bytes, 0)
    }

    func testLargeBlocksBypassTheLists() throws {
        let large = try malloc(16 * 1024 + 1)
        fill(large, 16 * 1024 + 1)
        let grown = try XCTUnwrap(block_pool_realloc(large, 100_000, pool))
        assertFilled(grown, 16 * 1024 + 1)
        let shrunk = try XCTUnwrap(block_pool_realloc(grown, 100, pool))
        assertFilled(shrunk, 100)
        free(shrunk)
        XCTAssertEqual(pool.pointee.cached_bytes, 0, "returned to the system, not kept")
        let largest = try malloc(16 * 1024)
        free(largest)
        XCTAssertEqual(pool.pointee.cached_bytes, 16 * 1024, "the largest class is still kept")
    }

    func testABlockGrownOutOfTheClassesBecomesLarge() throws {
        let a = try malloc(8 * 1024)
        fill(a, 8 * 1024)
        let b = try XCTUnwrap(block_pool_realloc(a, 40 * 1024, pool))
        assertFilled(b, 8 * 1024)
        free(b)
        XCTAssertEqual(pool.pointee.cached_bytes, 8 * 1024, "only the old 8 KB block is kept")
    }

    func testBlocksPastTheBudgetGoBackToTheSystem() throws {
        block_pool_init(pool, 64)
        let blocks = try (0..<6).map { _ in try malloc(16) }
        for block in blocks { free(block) }
        XCTAssertEqual(pool.pointee.cached_bytes, 64, "four 16-byte blocks fit the budget, two were freed")
        let big = try malloc(128)
        free(big)
        XCTAssertEqual(pool.pointee.cached_bytes, 64, "a block larger than what is left is not kept")
        let again = try (0..<6).map { _ in try malloc(16) }
        XCTAssertEqual(pool.pointee.cached_bytes, 0)
        XCTAssertEqual(Set(again.prefix(4)), Set(blocks.prefix(4)), "the four kept come back first, then new ones")
        for block in again { free(block) }
    }
}

/// A worker's spare `IOBuffer` storage, all of one size (`blockSize`, a connection's read size).
///
/// Idle connections give their buffers up, so each exchange used to take four or so from malloc and hand
/// them back (the client's input and output, the upstream's input and frames). Kept here instead, the
/// next exchange reuses them and a request costs no buffer allocation. At most `limit` blocks wait, so
/// the pool never holds more than a few active exchanges' worth, and `MemoryTrim` empties it after a
/// burst. Owned by one worker's thread, like the buffers that use it.
final class BufferPool {
    static let blockSize = 16 * 1024

    private var spare: [UnsafeMutableRawPointer] = []
    let limit: Int

    /// 32 blocks (512 KB) keep eight exchanges' buffers (four each) out of malloc.
    init(limit: Int = 32) {
        self.limit = limit
        spare.reserveCapacity(limit)
    }

    deinit { trim() }

    var spareCount: Int { spare.count }

    /// A block of `blockSize` bytes: a spare one if there is one.
    func take() -> UnsafeMutableRawPointer {
        spare.popLast() ?? UnsafeMutableRawPointer.allocate(byteCount: Self.blockSize, alignment: 16)
    }

    /// Takes back a block from `take`, to keep while there is room.
    func give(_ block: UnsafeMutableRawPointer) {
        if spare.count < limit {
            spare.append(block)
        } else {
            block.deallocate()
        }
    }

    /// Frees the spare blocks, so the memory can go back to the system.
    func trim() {
        for block in spare { block.deallocate() }
        spare.removeAll(keepingCapacity: true)
    }
}

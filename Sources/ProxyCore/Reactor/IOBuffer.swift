import Glibc

/// A byte buffer owned by one connection: bytes are appended at `writeIndex` and consumed from
/// `readIndex`. Invariants: 0 <= readIndex <= writeIndex <= capacity; storage is allocated on first
/// use, compacted before it grows, and freed by `release()` or deinit, so an idle connection holds
/// no buffer memory. With a `BufferPool`, storage is taken from and given back to it instead (then it is
/// at least a pool block). Noncopyable, so two owners can never free the same storage.
package struct IOBuffer: ~Copyable {
    private var base: UnsafeMutableRawPointer?
    private(set) var capacity = 0
    private var readIndex = 0
    private var writeIndex = 0
    private let pool: BufferPool?

    package init() {
        pool = nil
    }

    init(pool: BufferPool) {
        self.pool = pool
    }

    deinit { if let base { Self.free(base, capacity: capacity, pool: pool) } }

    private static func free(_ base: UnsafeMutableRawPointer, capacity: Int, pool: BufferPool?) {
        if let pool, capacity == BufferPool.blockSize {
            pool.give(base)
        } else {
            base.deallocate()
        }
    }

    package var readableCount: Int { writeIndex - readIndex }
    var isEmpty: Bool { writeIndex == readIndex }

    /// The unread bytes. Valid until the next mutating call.
    package var readable: UnsafeRawBufferPointer {
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + readIndex, count: writeIndex - readIndex)
    }

    /// Room for at least `minimum` more bytes; call `didWrite` with what was filled.
    mutating func writableSpace(minimum: Int) -> UnsafeMutableRawBufferPointer {
        if capacity - writeIndex < minimum {
            makeRoom(minimum)
        }
        return UnsafeMutableRawBufferPointer(start: base! + writeIndex, count: capacity - writeIndex)
    }

    mutating func didWrite(_ count: Int) {
        precondition(count >= 0 && writeIndex + count <= capacity)
        writeIndex += count
    }

    package mutating func consume(_ count: Int) {
        precondition(count >= 0 && readIndex + count <= writeIndex)
        readIndex += count
        if readIndex == writeIndex {
            readIndex = 0
            writeIndex = 0
        }
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        let space = writableSpace(minimum: bytes.count)
        space.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        writeIndex += bytes.count
    }

    /// A chunk size: `value` (not negative) in lowercase hex, written in place.
    mutating func appendHex(_ value: Int) {
        var digits = 1
        while value >> (4 * digits) > 0 { digits += 1 }
        let space = writableSpace(minimum: digits).bindMemory(to: UInt8.self)
        for index in 0..<digits { space[index] = HTTPSyntax.hexDigit(value >> (4 * (digits - 1 - index))) }
        writeIndex += digits
    }

    mutating func append(_ string: String) {
        let count = string.utf8.count
        guard count > 0 else { return }
        let space = writableSpace(minimum: count).bindMemory(to: UInt8.self)
        writeIndex += space.initialize(from: string.utf8).1
    }

    /// `name: value` and CRLF, the shape of every forwarded field line, with one room check and no
    /// separate appends for the separators.
    mutating func appendFieldLine(_ name: String, _ value: String) {
        let count = name.utf8.count + value.utf8.count + 4
        let space = writableSpace(minimum: count).bindMemory(to: UInt8.self)
        // initialize(from:) on a UTF8View is one memcpy (or a register copy for small strings), without
        // the closure set-up of withUTF8.
        var at = space.initialize(from: name.utf8).1
        space[at] = HTTPSyntax.colon
        space[at + 1] = HTTPSyntax.sp
        at += 2
        at += UnsafeMutableBufferPointer(rebasing: space[at...]).initialize(from: value.utf8).1
        space[at] = HTTPSyntax.cr
        space[at + 1] = HTTPSyntax.lf
        writeIndex += count
    }

    mutating func append(byte: UInt8) {
        let space = writableSpace(minimum: 1)
        space[0] = byte
        writeIndex += 1
    }

    /// Frees the storage when nothing is unread, so idle connections cost no buffer memory.
    mutating func releaseIfEmpty() {
        guard isEmpty, let base else { return }
        Self.free(base, capacity: capacity, pool: pool)
        self.base = nil
        capacity = 0
    }

    /// Drops unread bytes and frees the storage.
    mutating func release() {
        readIndex = 0
        writeIndex = 0
        releaseIfEmpty()
    }

    private mutating func makeRoom(_ minimum: Int) {
        let unread = writeIndex - readIndex
        if readIndex > 0 && capacity - unread >= minimum {
            // Compact in place: moving the unread tail is cheaper than growing.
            if unread > 0 { base!.copyMemory(from: base! + readIndex, byteCount: unread) }
            readIndex = 0
            writeIndex = unread
            return
        }
        var newCapacity = max(capacity, pool == nil ? 4096 : BufferPool.blockSize)
        while newCapacity - unread < minimum { newCapacity *= 2 }
        let newBase = if let pool, newCapacity == BufferPool.blockSize {
            pool.take()
        } else {
            UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        }
        if unread > 0 { newBase.copyMemory(from: base! + readIndex, byteCount: unread) }
        if let base { Self.free(base, capacity: capacity, pool: pool) }
        base = newBase
        capacity = newCapacity
        readIndex = 0
        writeIndex = unread
    }
}

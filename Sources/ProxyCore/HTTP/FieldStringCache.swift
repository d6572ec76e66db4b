import Glibc

/// The Strings of recently seen field names, values and request targets, reused when the same bytes come
/// again. A String holds up to 15 UTF-8 bytes inline; a longer one takes heap storage, and a keep-alive
/// client or upstream sends the same long ones on every message (user agent, content type, target, even
/// `date` within a second). Found here, such a string costs a retain instead of an allocation.
///
/// A direct-mapped table: the bytes' hash picks one slot, and the slot's String is returned only when its
/// UTF-8 is exactly the bytes (a collision is a miss, never a wrong string); a miss makes the String and
/// puts it in the slot. Memory is bounded by `slotCount` strings of at most `maxLength` bytes. One per
/// worker, owned by its thread like everything else there; the parsers take it as an optional parameter,
/// so they stay pure and their tests and fuzz targets call them without one.
package final class FieldStringCache {
    private var slots: [String]
    private let slotShift: UInt64
    /// Longer values are rarely repeated byte for byte (tokens, signed URLs) and would pin more memory.
    let maxLength: Int
    /// The Authorization value of the connection whose head is being parsed, lent by it for the parse
    /// (`lendingCredential`): a client sends its 1–2 KB token again on every request of a connection, and
    /// this is the only place it is kept between them, in that connection and not in the worker's table.
    private var credential = ""
    private var lending = false

    /// `slotCount` is a power of two.
    package init(slotCount: Int = 128, maxLength: Int = 256) {
        precondition(slotCount > 0 && slotCount & (slotCount - 1) == 0, "slotCount must be a power of two")
        // An empty String never matches: only bytes longer than a small string are looked up.
        slots = Array(repeating: "", count: slotCount)
        slotShift = UInt64(64 - slotCount.trailingZeroBitCount)
        self.maxLength = maxLength
    }

    /// `String(decoding: bytes, as: UTF8.self)`, shared with an earlier call on the same bytes when cached.
    func string(_ bytes: UnsafeRawBufferPointer) -> String {
        let count = bytes.count
        guard count > Self.smallStringCapacity, count <= maxLength else {
            return String(decoding: bytes, as: UTF8.self)
        }
        let slot = self.slot(bytes)
        let cached = slots[slot]
        if Self.equal(cached, bytes) { return cached }
        let made = String(decoding: bytes, as: UTF8.self)
        slots[slot] = made
        return made
    }

    /// A field's value, unless its field carries credentials: those are per user, and cached they would stay
    /// in the worker's memory after the request that carried them, until another value takes their slot.
    func value(_ bytes: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer) -> String {
        guard bytes.count > Self.smallStringCapacity, Self.isCredential(name) else { return string(bytes) }
        // Only Authorization is lent, and only during a lend.
        guard lending && name.count == 13 else { return String(decoding: bytes, as: UTF8.self) }
        if Self.equal(credential, bytes) { return credential }
        credential = String(decoding: bytes, as: UTF8.self)
        return credential
    }

    /// Runs `parse` with `credential` (a connection's last Authorization value, or "") as the one credential
    /// the cache may return, and hands back the one the parse ended with; the cache keeps none of them.
    func lendingCredential<T>(_ credential: inout String, _ parse: () -> T) -> T {
        swap(&self.credential, &credential)
        lending = true
        defer {
            lending = false
            swap(&self.credential, &credential)
        }
        return parse()
    }

    /// `cache.string(bytes)`, or a new String without a cache.
    static func string(_ bytes: UnsafeRawBufferPointer, from cache: FieldStringCache?) -> String {
        cache?.string(bytes) ?? String(decoding: bytes, as: UTF8.self)
    }

    /// `cache.value(bytes, name: name)`, or a new String without a cache.
    static func value(_ bytes: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer, from cache: FieldStringCache?)
        -> String {
        cache?.value(bytes, name: name) ?? String(decoding: bytes, as: UTF8.self)
    }

    private static func equal(_ string: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        string.utf8.count == bytes.count && string.utf8.withContiguousStorageIfAvailable {
            memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0
        } == true
    }

    /// The longest String Swift stores inline, without heap storage (on 64-bit platforms).
    private static let smallStringCapacity = 15

    private static func isCredential(_ name: UnsafeRawBufferPointer) -> Bool {
        switch name.count {
        case 6: return HTTPSyntax.equalsLowercase(name, "cookie")
        case 10: return HTTPSyntax.equalsLowercase(name, "set-cookie")
        case 13: return HTTPSyntax.equalsLowercase(name, "authorization")
        case 19: return HTTPSyntax.equalsLowercase(name, "proxy-authorization")
        default: return false
        }
    }

    /// Multiply-xor over the 8-byte words (the last one overlapping), the top bits picking the slot.
    /// `bytes` has more than 8 bytes. An attacker who makes values collide only makes them misses.
    private func slot(_ bytes: UnsafeRawBufferPointer) -> Int {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        let count = bytes.count
        var hash = UInt64(count) &* multiplier
        var offset = 0
        while offset + 8 < count {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* multiplier
            offset += 8
        }
        hash = (hash ^ bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)) &* multiplier
        return Int(truncatingIfNeeded: hash >> slotShift)
    }
}

import Glibc

/// Why the vocabulary could not be loaded. Without it /imitate/v1 counts nothing rather than estimate, so the
/// message must say which file, and which line, to fix.
package enum TokenizerError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case badLine(path: String, line: Int, reason: String)
    case wrongCount(path: String, found: Int, expected: Int)

    package var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "token vocabulary \"\(path)\" cannot be read: \(reason) (scripts/install-deps installs it)"
        case .badLine(let path, let line, let reason):
            "token vocabulary \"\(path)\" line \(line): \(reason)"
        case .wrongCount(let path, let found, let expected):
            "token vocabulary \"\(path)\" has \(found) tokens, expected \(expected): not o200k_base"
        }
    }
}

/// The ranks of a tiktoken vocabulary (`base64-token rank` per line) in three flat arrays instead of
/// 200,000 heap arrays: every token's bytes in one blob, each rank's place in it, and an open-addressing
/// table from bytes to rank. About 4.4 MB for o200k_base.
struct TokenVocabulary: Sendable {
    /// A slot holds rank + 1 in its low bits (0: empty) and bits of the hash above them, so most probes
    /// that miss are told apart without reading the blob.
    private static let rankBits = 18
    private static let rankMask: UInt32 = 1 << rankBits - 1

    private let blob: [UInt8]
    private let starts: [UInt32]
    private let lengths: [UInt8]
    private let slots: [UInt32]
    private let slotShift: UInt64

    /// The vocabulary of the file at `path`, which must hold exactly `expectedCount` tokens ranked 0..<expectedCount.
    init(path: String, expectedCount: Int) throws(TokenizerError) {
        precondition(expectedCount < Int(Self.rankMask))
        let text = try Self.read(path)
        var lines = 0
        var lineStart = 0
        for (index, byte) in text.enumerated() where byte == UInt8(ascii: "\n") {
            if index > lineStart { lines += 1 }
            lineStart = index + 1
        }
        if text.count > lineStart { lines += 1 }
        guard lines == expectedCount else { throw .wrongCount(path: path, found: lines, expected: expectedCount) }

        // Under 40% full, so a miss ends after a probe or two.
        var bits = 1
        while 1 << bits < expectedCount * 5 / 2 { bits += 1 }
        var blob: [UInt8] = []
        blob.reserveCapacity(text.count / 2)
        var starts = [UInt32](repeating: .max, count: expectedCount)
        var lengths = [UInt8](repeating: 0, count: expectedCount)
        var slots = [UInt32](repeating: 0, count: 1 << bits)
        let shift = UInt64(64 - bits)

        var line = 0
        var start = 0
        while start < text.count {
            var end = start
            while end < text.count, text[end] != UInt8(ascii: "\n") { end += 1 }
            defer { start = end + 1 }
            guard end > start else { continue }
            line += 1
            func fail(_ reason: String) -> TokenizerError { .badLine(path: path, line: line, reason: reason) }
            guard let space = text[start..<end].firstIndex(of: UInt8(ascii: " ")) else { throw fail("no space between token and rank") }
            guard let rank = Self.decimal(text[space + 1..<end]), rank < expectedCount else {
                throw fail("rank is not a number below \(expectedCount)")
            }
            guard starts[rank] == .max else { throw fail("rank \(rank) appears twice") }
            guard let token = Base64.decode(text[start..<space]), (1...255).contains(token.count) else {
                throw fail("token is not base64 of 1 to 255 bytes")
            }
            let tokenStart = blob.count
            blob.append(contentsOf: token)
            starts[rank] = UInt32(tokenStart)
            lengths[rank] = UInt8(token.count)
            let inserted = blob.withUnsafeBufferPointer { all in
                Self.insert(rank, bytes: UnsafeBufferPointer(rebasing: all[tokenStart...]), slots: &slots, shift: shift,
                            blob: all, starts: starts, lengths: lengths)
            }
            guard inserted else { throw fail("token repeats an earlier one") }
        }
        self.blob = blob
        self.starts = starts
        self.lengths = lengths
        self.slots = slots
        self.slotShift = shift
    }

    /// The rank of the token whose bytes are exactly `bytes`, if there is one.
    func rank(of bytes: UnsafeBufferPointer<UInt8>) -> UInt32? {
        blob.withUnsafeBufferPointer { all in
            Self.find(bytes, slots: slots, shift: slotShift, blob: all, starts: starts, lengths: lengths)
        }
    }

    /// The bytes a rank stands for (for tests and the reference comparisons).
    func bytes(ofRank rank: Int) -> ArraySlice<UInt8> {
        let start = Int(starts[rank])
        return blob[start..<start + Int(lengths[rank])]
    }

    /// The bytes of the slot arrays and the blob: what the vocabulary keeps in memory.
    var storageBytes: Int { blob.capacity + starts.capacity * 4 + lengths.capacity + slots.capacity * 4 }

    private static func find(_ bytes: UnsafeBufferPointer<UInt8>, slots: [UInt32], shift: UInt64, blob: UnsafeBufferPointer<UInt8>,
                             starts: [UInt32], lengths: [UInt8]) -> UInt32? {
        let hash = Self.hash(bytes)
        let tag = UInt32(truncatingIfNeeded: hash >> 8) & ~rankMask
        let mask = slots.count - 1
        var index = Int(hash >> shift)
        while true {
            let slot = slots[index]
            if slot == 0 { return nil }
            if slot & ~rankMask == tag {
                let rank = Int(slot & rankMask) - 1
                if Int(lengths[rank]) == bytes.count,
                   memcmp(blob.baseAddress! + Int(starts[rank]), bytes.baseAddress!, bytes.count) == 0 {
                    return UInt32(rank)
                }
            }
            index = (index + 1) & mask
        }
    }

    private static func insert(_ rank: Int, bytes: UnsafeBufferPointer<UInt8>, slots: inout [UInt32], shift: UInt64,
                               blob: UnsafeBufferPointer<UInt8>, starts: [UInt32], lengths: [UInt8]) -> Bool {
        // Looked up before the new rank is in the blob's index, so a hit is an earlier token.
        let hash = Self.hash(bytes)
        guard find(bytes, slots: slots, shift: shift, blob: blob, starts: starts, lengths: lengths) == nil else { return false }
        let mask = slots.count - 1
        var index = Int(hash >> shift)
        while slots[index] != 0 { index = (index + 1) & mask }
        slots[index] = UInt32(truncatingIfNeeded: hash >> 8) & ~rankMask | UInt32(rank + 1)
        return true
    }

    /// Eight bytes at a time, multiply-xorshift mixed: the table's index comes from the top bits, the tag
    /// from lower ones, so both need a well-mixed word.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let raw = UnsafeRawBufferPointer(bytes)
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var index = 0
        while index + 8 <= raw.count {
            hash = (hash ^ raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < raw.count {
            tail |= UInt64(raw[index]) << shift
            shift += 8
            index += 1
        }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return hash ^ (hash >> 29)
    }

    private static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 9 else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value
    }

    /// The whole file, read once at startup.
    private static func read(_ path: String) throws(TokenizerError) -> [UInt8] {
        do { return try FileContents.read(path) } catch { throw .unreadable(path: path, reason: error.reason) }
    }
}

/// A bounds-checked big-endian cursor over bytes a peer sent. Every read that would run past the end
/// answers nil instead of trapping, so parsers built on it stay total on hostile input.
struct WireReader {
    private let bytes: ArraySlice<UInt8>
    private(set) var offset: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        offset = bytes.startIndex
    }

    init(_ bytes: [UInt8]) {
        self.init(bytes[...])
    }

    var remaining: Int { bytes.endIndex - offset }
    var isAtEnd: Bool { offset >= bytes.endIndex }

    mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, count <= remaining else { return nil }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    func peek() -> UInt8? {
        isAtEnd ? nil : bytes[offset]
    }

    mutating func u8() -> UInt8? {
        take(1)?.first
    }

    mutating func u16() -> UInt16? {
        guard let b = take(2) else { return nil }
        return UInt16(b[b.startIndex]) << 8 | UInt16(b[b.startIndex + 1])
    }

    mutating func u24() -> Int? {
        guard let b = take(3) else { return nil }
        return Int(b[b.startIndex]) << 16 | Int(b[b.startIndex + 1]) << 8 | Int(b[b.startIndex + 2])
    }

    mutating func u32() -> UInt32? {
        guard let high = u16(), let low = u16() else { return nil }
        return UInt32(high) << 16 | UInt32(low)
    }

    /// A TLS opaque vector: a 1-, 2- or 3-byte length, then that many bytes.
    mutating func vector(lengthBytes: Int) -> ArraySlice<UInt8>? {
        let length: Int?
        switch lengthBytes {
        case 1: length = u8().map(Int.init)
        case 2: length = u16().map(Int.init)
        default: length = u24()
        }
        guard let length else { return nil }
        return take(length)
    }

    /// A vector of big-endian 16-bit code points; an odd byte count is malformed.
    mutating func u16List(lengthBytes: Int) -> [UInt16]? {
        guard let body = vector(lengthBytes: lengthBytes), body.count % 2 == 0 else { return nil }
        var inner = WireReader(body)
        var out: [UInt16] = []
        out.reserveCapacity(body.count / 2)
        while let value = inner.u16() { out.append(value) }
        return out
    }
}

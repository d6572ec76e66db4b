/// The HPACK Huffman code (RFC 7541 Appendix B). The code is canonical, so the bit lengths alone define
/// it: codes are handed out in order of (length, symbol), which lets decoding work with per-length
/// ranges instead of a 257-entry tree.
enum HPACKHuffman {
    static let endOfString = 256

    /// Code length in bits of symbols 0...255 and EOS (256), transcribed from Appendix B.
    static let lengths: [UInt8] = [
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
        30,
    ]

    static let maxLength = 30

    /// Symbols in code order, and per length the first code and where its symbols start in that order.
    private static let table: (symbols: [Int], firstCode: [UInt32], count: [Int], start: [Int]) = {
        let symbols = (0...endOfString).sorted { (lengths[$0], $0) < (lengths[$1], $1) }
        var count = [Int](repeating: 0, count: maxLength + 2)
        for length in lengths { count[Int(length)] += 1 }
        var firstCode = [UInt32](repeating: 0, count: maxLength + 2)
        var start = [Int](repeating: 0, count: maxLength + 2)
        for length in 1...maxLength + 1 {
            firstCode[length] = (firstCode[length - 1] + UInt32(count[length - 1])) << 1
            start[length] = start[length - 1] + count[length - 1]
        }
        return (symbols, firstCode, count, start)
    }()

    /// The code of every symbol, for encoders (tests build HEADERS blocks with it).
    static let codes: [(code: UInt32, length: Int)] = {
        var out = [(code: UInt32, length: Int)](repeating: (0, 0), count: endOfString + 1)
        for length in 1...maxLength {
            for n in 0..<table.count[length] {
                out[table.symbols[table.start[length] + n]] = (table.firstCode[length] + UInt32(n), length)
            }
        }
        return out
    }()

    /// Decodes a Huffman-coded string; nil when it holds EOS, an unknown code or padding that is not
    /// a short run of 1 bits (RFC 7541 section 5.2 makes each a decoding error).
    static func decode(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 8 / 5)
        var code: UInt32 = 0
        var length = 0
        for byte in bytes {
            for shift in stride(from: 7, through: 0, by: -1) {
                code = code << 1 | UInt32(byte >> UInt8(shift) & 1)
                length += 1
                guard length <= maxLength else { return nil }
                let index = code &- table.firstCode[length]
                guard code >= table.firstCode[length], Int(index) < table.count[length] else { continue }
                let symbol = table.symbols[table.start[length] + Int(index)]
                if symbol == endOfString { return nil }
                out.append(UInt8(symbol))
                code = 0
                length = 0
            }
        }
        guard length < 8, code == (1 << UInt32(length)) - 1 else { return nil }
        return out
    }
}

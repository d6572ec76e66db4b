// Shared with the fuzz targets (Fuzz/, scripts/fuzz), which compile this file without XCTest and with the
// ProxyCore sources in the same module.
#if canImport(ProxyCore)
@testable import ProxyCore
#endif

/// Huffman-codes `bytes` with the library's table, padding with 1 bits (RFC 7541 section 5.2).
func huffmanEncode(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var pending: UInt64 = 0
    var bits = 0
    for byte in bytes {
        let (code, length) = HPACKHuffman.codes[Int(byte)]
        pending = pending << UInt64(length) | UInt64(code)
        bits += length
        while bits >= 8 {
            bits -= 8
            out.append(UInt8(truncatingIfNeeded: pending >> UInt64(bits)))
        }
    }
    if bits > 0 { out.append(UInt8(truncatingIfNeeded: pending << UInt64(8 - bits) | ((1 << UInt64(8 - bits)) - 1))) }
    return out
}

/// A minimal HPACK encoder that reproduces a recorded block's representations (fpcapture's names:
/// "indexed", "literal-incremental", "literal", "literal-never-indexed", each optionally "+huffman").
struct TestHPACKEncoder {
    private var dynamicTable: [(String, String)] = []

    private func integer(_ value: Int, prefix: Int, flags: UInt8) -> [UInt8] {
        let mask = (1 << prefix) - 1
        guard value >= mask else { return [flags | UInt8(value)] }
        var out = [flags | UInt8(mask)]
        var rest = value - mask
        while rest >= 128 {
            out.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        return out + [UInt8(rest)]
    }

    private func string(_ text: String, huffman: Bool) -> [UInt8] {
        let raw = Array(text.utf8)
        let body = huffman ? huffmanEncode(raw) : raw
        return integer(body.count, prefix: 7, flags: huffman ? 0x80 : 0) + body
    }

    /// 1-based index in the static table followed by the dynamic table (newest first).
    private func index(of name: String, value: String?) -> Int? {
        let all = HPACKStaticTable.entries.map { ($0.name, $0.value) } + dynamicTable.reversed()
        return all.firstIndex { $0.0 == name && (value == nil || $0.1 == value) }.map { $0 + 1 }
    }

    mutating func encode(name: String, value: String, representation: String) -> [UInt8] {
        let huffman = representation.hasSuffix("+huffman")
        let kind = representation.split(separator: "+")[0]
        if kind == "indexed", let index = index(of: name, value: value) {
            return integer(index, prefix: 7, flags: 0x80)
        }
        let (prefix, flags): (Int, UInt8) = kind == "literal-incremental" ? (6, 0x40) : kind == "literal-never-indexed" ? (4, 0x10) : (4, 0)
        let nameIndex = index(of: name, value: nil)
        var out = integer(nameIndex ?? 0, prefix: prefix, flags: flags)
        if nameIndex == nil { out += string(name, huffman: false) }
        out += string(value, huffman: huffman)
        if kind == "literal-incremental" { dynamicTable.append((name, value)) }
        return out
    }
}

/// One HTTP/2 frame: 9-byte header and payload.
func http2Frame(type: UInt8, flags: UInt8, stream: UInt32, _ payload: [UInt8]) -> [UInt8] {
    let length = payload.count
    return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags]
        + withBigEndian(stream) + payload
}

func withBigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
}

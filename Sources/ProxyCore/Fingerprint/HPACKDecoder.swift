/// Decodes HPACK header blocks (RFC 7541) as a server receives them, keeping how each field was coded:
/// the representation is part of a client's fingerprint. One decoder per connection, since the dynamic
/// table carries over from block to block.
package struct HPACKDecoder: Sendable {
    package enum Representation: String, Equatable, Sendable {
        case indexed, incremental, withoutIndexing, neverIndexed
    }

    package struct Field: Equatable, Sendable {
        package var name: String
        package var value: String
        package var representation: Representation
        /// Whether the value was Huffman-coded.
        package var huffman: Bool
    }

    package struct DecodingError: Error, Equatable, Sendable {
        package var reason: String
    }

    /// Newest entry last; sizes count octets plus 32 per entry as the RFC defines.
    private(set) var dynamicTable: [(name: [UInt8], value: [UInt8])] = []
    private(set) var tableSize = 0
    private var maxTableSize: Int
    /// The SETTINGS_HEADER_TABLE_SIZE this side announced: a peer may not resize beyond it.
    private let tableSizeLimit: Int
    /// Bounds the decoded size of one block, since a few index bytes can name large table entries.
    private let maxHeaderListSize: Int

    package init(tableSizeLimit: Int = 4096, maxHeaderListSize: Int = 256 * 1024) {
        self.tableSizeLimit = tableSizeLimit
        maxTableSize = tableSizeLimit
        self.maxHeaderListSize = maxHeaderListSize
    }

    package mutating func decode(_ block: ArraySlice<UInt8>) -> Result<[Field], DecodingError> {
        var reader = WireReader(block)
        var fields: [Field] = []
        var listSize = 0
        while let first = reader.peek() {
            let field: Field
            let name: [UInt8], value: [UInt8]
            if first & 0x80 != 0 {
                guard let index = integer(&reader, prefix: 7), let entry = entry(at: index) else { return failure("bad index") }
                (name, value) = entry
                field = Field(name: text(name), value: text(value), representation: .indexed, huffman: false)
            } else if first & 0xE0 == 0x20 {
                // RFC 7541 section 4.2: size updates come first in a block.
                guard fields.isEmpty, let size = integer(&reader, prefix: 5), size <= tableSizeLimit else {
                    return failure("bad dynamic table size update")
                }
                maxTableSize = size
                evict()
                continue
            } else {
                let (prefix, representation): (Int, Representation) = first & 0xC0 == 0x40 ? (6, .incremental)
                    : first & 0xF0 == 0x10 ? (4, .neverIndexed) : (4, .withoutIndexing)
                guard let index = integer(&reader, prefix: prefix) else { return failure("truncated integer") }
                if index == 0 {
                    guard let literal = string(&reader) else { return failure("bad name string") }
                    name = literal.bytes
                } else {
                    guard let entry = entry(at: index) else { return failure("name index \(index) out of range") }
                    name = entry.name
                }
                guard let literal = string(&reader) else { return failure("bad value string") }
                value = literal.bytes
                if representation == .incremental { insert(name: name, value: value) }
                field = Field(name: text(name), value: text(value), representation: representation, huffman: literal.huffman)
            }
            listSize += HeaderListSize.field(nameCount: name.count, valueCount: value.count)
            guard listSize <= maxHeaderListSize else { return failure("header list larger than \(maxHeaderListSize) bytes") }
            fields.append(field)
        }
        return .success(fields)
    }

    private func failure(_ reason: String) -> Result<[Field], DecodingError> {
        .failure(DecodingError(reason: "HPACK: " + reason))
    }

    private func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// RFC 7541 section 5.1; values beyond 2^28 are refused, no real field or index comes near.
    private func integer(_ reader: inout WireReader, prefix: Int) -> Int? {
        guard let first = reader.u8() else { return nil }
        let mask = (1 << prefix) - 1
        var value = Int(first) & mask
        guard value == mask else { return value }
        var shift = 0
        while let byte = reader.u8() {
            value += Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
            if shift > 21 { return nil }
        }
        return nil
    }

    private func string(_ reader: inout WireReader) -> (bytes: [UInt8], huffman: Bool)? {
        guard let first = reader.peek(), let length = integer(&reader, prefix: 7), let raw = reader.take(length) else { return nil }
        guard first & 0x80 != 0 else { return (Array(raw), false) }
        return HPACKHuffman.decode(raw).map { ($0, true) }
    }

    private func entry(at index: Int) -> (name: [UInt8], value: [UInt8])? {
        let staticCount = HPACKStaticTable.entries.count
        if index >= 1, index <= staticCount {
            let entry = HPACKStaticTable.entries[index - 1]
            return (Array(entry.name.utf8), Array(entry.value.utf8))
        }
        let age = index - staticCount - 1
        guard age >= 0, age < dynamicTable.count else { return nil }
        return dynamicTable[dynamicTable.count - 1 - age]
    }

    private mutating func insert(name: [UInt8], value: [UInt8]) {
        dynamicTable.append((name, value))
        tableSize += name.count + value.count + 32
        evict()
    }

    private mutating func evict() {
        var dropped = 0
        while tableSize > maxTableSize, dropped < dynamicTable.count {
            tableSize -= dynamicTable[dropped].name.count + dynamicTable[dropped].value.count + 32
            dropped += 1
        }
        dynamicTable.removeFirst(dropped)
    }
}

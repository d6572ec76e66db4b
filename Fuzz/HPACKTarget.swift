// The HPACK decoder (HPACKDecoder) on arbitrary header blocks: up to three blocks of one connection, since
// the dynamic table carries over, with the default table and a small one that evicts often; and the
// whole input as one Huffman-coded string.

private let configurations = [(tableSizeLimit: 4096, maxHeaderListSize: 256 * 1024), (tableSizeLimit: 256, maxHeaderListSize: 2048)]

func fuzzTarget(_ data: UnsafeRawBufferPointer) {
    let input = Array(data)
    var random = SeededGenerator(hashing: data)
    let ends = random.arrivals(count: input.count, pieces: 3)
    for configuration in configurations {
        var decoder = HPACKDecoder(tableSizeLimit: configuration.tableSizeLimit,
                                   maxHeaderListSize: configuration.maxHeaderListSize)
        for (start, end) in zip([0] + ends, ends) {
            let result = decoder.decode(input[start..<end])
            let entrySizes = decoder.dynamicTable.reduce(0) { $0 + $1.name.count + $1.value.count + 32 }
            invariant(decoder.tableSize == entrySizes, "table size \(decoder.tableSize), entries \(entrySizes)")
            invariant(decoder.tableSize <= configuration.tableSizeLimit, "table size \(decoder.tableSize)")
            guard case .success(let fields) = result else { break }
            // Every field counts at least 32 bytes towards the header list bound.
            invariant(fields.count * 32 <= configuration.maxHeaderListSize, "\(fields.count) fields")
            checkWrittenAgain(fields)
        }
    }
    // A Huffman string that decodes is the exact code of what it decodes to: the padding rules leave no
    // second spelling (RFC 7541 section 5.2).
    if let text = HPACKHuffman.decode(input[...]) {
        invariant(huffmanEncode(text) == input, "\(input) decodes to \(text), which encodes otherwise")
    }
}

/// Decoded fields written again as literals without indexing (Huffman-coded where they were) decode to the
/// same names and values.
private func checkWrittenAgain(_ fields: [HPACKDecoder.Field]) {
    var encoder = TestHPACKEncoder()
    let block = fields.flatMap {
        encoder.encode(name: $0.name, value: $0.value, representation: $0.huffman ? "literal+huffman" : "literal")
    }
    var decoder = HPACKDecoder(maxHeaderListSize: .max)
    guard case .success(let again) = decoder.decode(block[...]) else { return invariant(false, "written again: \(block)") }
    let expected = fields.map { HPACKDecoder.Field(name: $0.name, value: $0.value, representation: .withoutIndexing, huffman: $0.huffman) }
    invariant(again == expected, "written again: \(again), decoded first: \(expected)")
}

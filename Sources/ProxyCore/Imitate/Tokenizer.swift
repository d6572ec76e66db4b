/// OpenAI's o200k_base tokenizer, exact: /imitate/v1 reports `usage` and cuts answers at `max_tokens` with
/// it, and counts nothing rather than estimate. Loaded once at startup and shared read-only by every worker.
/// Text is split into pieces by the encoding's pattern (`TokenPieces`); a piece that is a token is one
/// token, any other is byte-pair merged (`TokenVocabulary.merge`). Special tokens (`<|endoftext|>`) are
/// ordinary text here, as in tiktoken's `encode_ordinary`: an answer's text never holds real ones.
package final class Tokenizer: Sendable {
    /// o200k_base's ranks file has this many lines; its special tokens are not in it.
    static let o200kCount = 199_998
    /// Where scripts/install-deps puts the vocabulary.
    package static let installedPath = "/usr/local/share/proxyd/o200k_base.tiktoken"

    let vocabulary: TokenVocabulary

    private init(vocabulary: TokenVocabulary) {
        self.vocabulary = vocabulary
    }

    /// The o200k_base vocabulary in the tiktoken file at `path` (as scripts/install-deps installs it).
    package static func load(path: String) throws(TokenizerError) -> Tokenizer {
        try load(path: path, expectedCount: o200kCount)
    }

    /// Any vocabulary of `expectedCount` tokens: tests use small ones to pin the merge order.
    static func load(path: String, expectedCount: Int) throws(TokenizerError) -> Tokenizer {
        Tokenizer(vocabulary: try TokenVocabulary(path: path, expectedCount: expectedCount))
    }

    /// The number of tokens of `text`, exactly as tiktoken's `len(encode_ordinary(text))`.
    package func count(_ text: String) -> Int {
        var text = text
        var scratch = MergeScratch()
        return text.withUTF8 { bytes in
            var total = 0
            var start = 0
            while start < bytes.count {
                let end = TokenPieces.end(of: bytes, from: start, final: true)!
                total += tokenCount(UnsafeBufferPointer(rebasing: bytes[start..<end]), &scratch)
                start = end
            }
            return total
        }
    }

    /// The token ids of `text` (tiktoken's `encode_ordinary`), for comparing with the reference; bytes
    /// the vocabulary lacks (only in test vocabularies) are -1.
    package func encode(_ text: String) -> [Int] {
        var text = text
        var scratch = MergeScratch()
        var ids: [Int] = []
        text.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                let end = TokenPieces.end(of: bytes, from: start, final: true)!
                let piece = UnsafeBufferPointer(rebasing: bytes[start..<end])
                var partStart = 0
                forEachTokenEnd(piece, &scratch) { partEnd in
                    ids.append(vocabulary.rank(of: UnsafeBufferPointer(rebasing: piece[partStart..<partEnd])).map(Int.init) ?? -1)
                    partStart = partEnd
                }
                start = end
            }
        }
        return ids
    }

    /// The number of tokens of one piece.
    func tokenCount(_ piece: UnsafeBufferPointer<UInt8>, _ scratch: inout MergeScratch) -> Int {
        if piece.count == 1 || vocabulary.rank(of: piece) != nil { return 1 }
        return vocabulary.merge(piece, &scratch)
    }

    /// Calls `body` with the end of each token of one piece (offsets into it), in order.
    func forEachTokenEnd(_ piece: UnsafeBufferPointer<UInt8>, _ scratch: inout MergeScratch, _ body: (Int) -> Void) {
        if piece.count == 1 || vocabulary.rank(of: piece) != nil { return body(piece.count) }
        _ = vocabulary.merge(piece, &scratch)
        vocabulary.tokenEnds(scratch, body)
    }
}

/// The exact token count of an answer that arrives in deltas, as if all of it were one string, and where to
/// cut it at a client's `max_tokens`. Pieces that more text can no longer change are counted once and
/// dropped; only the bytes from the first piece that could still change stay. Those are split again only
/// when they have doubled since the last split (and grown by `resplitBytes`), so even one piece that keeps
/// growing (20 KB of spaces) costs amortized constant work per byte instead of a rescan per delta; memory
/// is at most twice that unsettled tail plus `resplitBytes`, however long the answer.
package struct TokenTally {
    private static let resplitBytes = 4096

    private let tokenizer: Tokenizer
    /// Tokens of the settled pieces, whose bytes are gone.
    private var settled = 0
    /// The text from the first piece not known to be settled on.
    private var pending: [UInt8] = []
    /// `pending.count` after its last split.
    private var splitBytes = 0
    private var scratch = MergeScratch()

    package init(tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
    }

    /// Tokens of all text added so far. Splits and merges the pending tail: read it when needed (at the end
    /// of an answer), not per delta.
    package var count: Int {
        var scratch = MergeScratch()
        return settled + Self.measure(pending, tokenizer, &scratch).tokens
    }

    package mutating func add(_ delta: String) {
        pending.append(contentsOf: delta.utf8)
        if pending.count >= max(2 * splitBytes, splitBytes + Self.resplitBytes) { commit(measure()) }
    }

    /// Adds as much of `delta` as keeps the count at most `limit` and returns how many of its UTF-8 bytes
    /// that is: all of them if they fit; else up to the end of the `limit`-th token of the text with the whole
    /// delta (tiktoken's first `limit` tokens), moved back to a character boundary when that token ends
    /// inside a UTF-8 sequence, so the cut text stays valid. The tally then holds the text up to the cut.
    ///
    /// Text already added stays (it has been sent): when the `limit`-th token ends inside it, none of the
    /// delta is taken. That happens when the end of the text so far splits into tokens differently once
    /// the delta goes on from it (an unfinished word's tokens change as it grows), so a streamed answer
    /// can end a little before the whole text's first `limit` tokens would.
    package mutating func add(_ delta: String, limit: Int) -> Int {
        let before = pending.count
        pending.append(contentsOf: delta.utf8)
        // A token is at least a byte, so while the bytes fit no split is needed.
        if settled + pending.count <= limit {
            if pending.count >= max(2 * splitBytes, splitBytes + Self.resplitBytes) { commit(measure()) }
            return delta.utf8.count
        }
        let whole = measure()
        if settled + whole.tokens <= limit {
            commit(whole)
            return delta.utf8.count
        }
        // The text cut at the limit-th token can, rarely, count more on its own (its last piece merges
        // differently when nothing follows it); then the cut moves back a token at a time.
        var budget = limit - settled
        while true {
            let cut = max(0, cutPoint(tokens: budget) - before)
            pending.removeSubrange((before + cut)...)
            let shortened = measure()
            if settled + shortened.tokens <= limit || cut == 0 {
                commit(shortened)
                return cut
            }
            budget -= 1
        }
    }

    private struct Measure {
        /// Bytes of `pending` that are settled pieces, and their tokens.
        var settledBytes = 0
        var settledTokens = 0
        /// Tokens of all of `pending`, as if the text ended with it.
        var tokens = 0
    }

    private mutating func measure() -> Measure {
        Self.measure(pending, tokenizer, &scratch)
    }

    private static func measure(_ pending: [UInt8], _ tokenizer: Tokenizer, _ scratch: inout MergeScratch) -> Measure {
        var result = Measure()
        pending.withUnsafeBufferPointer { bytes in
            var start = 0
            var settling = true
            while start < bytes.count {
                let end = settling ? TokenPieces.end(of: bytes, from: start, final: false) : nil
                if end == nil, settling {
                    settling = false
                    result.settledBytes = start
                    result.settledTokens = result.tokens
                }
                let pieceEnd = end ?? TokenPieces.end(of: bytes, from: start, final: true)!
                result.tokens += tokenizer.tokenCount(UnsafeBufferPointer(rebasing: bytes[start..<pieceEnd]), &scratch)
                start = pieceEnd
            }
            if settling {
                result.settledBytes = bytes.count
                result.settledTokens = result.tokens
            }
        }
        return result
    }

    private mutating func commit(_ measure: Measure) {
        settled += measure.settledTokens
        pending.removeFirst(measure.settledBytes)
        splitBytes = pending.count
    }

    /// The end, in `pending`, of its `tokens`-th token (or the character boundary before it), 0 if none fits.
    private mutating func cutPoint(tokens: Int) -> Int {
        var boundary = 0
        pending.withUnsafeBufferPointer { bytes in
            var start = 0
            var counted = 0
            while start < bytes.count, counted < tokens {
                let end = TokenPieces.end(of: bytes, from: start, final: true)!
                tokenizer.forEachTokenEnd(UnsafeBufferPointer(rebasing: bytes[start..<end]), &scratch) { tokenEnd in
                    counted += 1
                    let position = start + tokenEnd
                    if counted <= tokens, position == bytes.count || bytes[position] & 0xC0 != 0x80 { boundary = position }
                }
                start = end
            }
        }
        return boundary
    }
}

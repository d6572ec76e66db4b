/// The exact token count of an answer that arrives in deltas, as if all of it were one string, and where to
/// cut it at a client's `max_tokens`. Pieces that more text can no longer change are counted once and
/// dropped; only the bytes from the first piece that could still change stay, and are split again with each
/// delta. So the work per delta is the delta plus that unsettled tail (one piece, as a rule), and the memory
/// is the tail, however long the answer.
package struct TokenTally {
    private let tokenizer: Tokenizer
    /// Tokens of the settled pieces, whose bytes are gone.
    private var settled = 0
    /// The text from the first unsettled piece on.
    private var pending: [UInt8] = []
    /// Tokens of `pending` if the text ended here.
    private var pendingTokens = 0
    private var scratch = MergeScratch()

    package init(tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
    }

    /// Tokens of all text added so far.
    package var count: Int { settled + pendingTokens }

    package mutating func add(_ delta: String) {
        pending.append(contentsOf: delta.utf8)
        commit(measure())
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
        pendingTokens = measure.tokens - measure.settledTokens
        pending.removeFirst(measure.settledBytes)
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

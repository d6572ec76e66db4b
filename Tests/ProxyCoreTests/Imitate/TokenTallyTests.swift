import XCTest
@testable import ProxyCore

/// A streamed answer counted delta by delta comes to the count of the whole text, and the cut at a limit
/// is tiktoken's first-N-tokens prefix.
final class TokenTallyTests: XCTestCase {
    func testEverySplitInTwoCountsAsTheWhole() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        for reference in try TokenizerFixture.cases() {
            for offset in 0...reference.text.unicodeScalars.count {
                var tally = TokenTally(tokenizer: tokenizer)
                for delta in reference.text.deltas(at: [offset]) { tally.add(delta) }
                XCTAssertEqual(tally.count, reference.count, "\(reference.text.debugDescription) split at scalar \(offset)")
            }
        }
    }

    func testRandomSplitsCountAsTheWholeAtEveryStep() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        var random = SeededGenerator(seed: 0x70CE_11)
        for reference in try TokenizerFixture.cases() {
            let scalars = reference.text.unicodeScalars.count
            for _ in 0..<20 {
                let offsets = (0..<Int.random(in: 1...6, using: &random)).map { _ in Int.random(in: 0...scalars, using: &random) }.sorted()
                var tally = TokenTally(tokenizer: tokenizer)
                var sofar = ""
                for delta in reference.text.deltas(at: offsets) {
                    tally.add(delta)
                    sofar += delta
                    XCTAssertEqual(tally.count, tokenizer.count(sofar), "\(sofar.debugDescription) after deltas at \(offsets)")
                }
                XCTAssertEqual(tally.count, reference.count)
            }
        }
    }

    /// One scalar at a time, the way a slow stream may come, over enough text that the tail is split
    /// again many times; and long single pieces (runs of spaces, letters, dashes) that stay unsettled.
    func testScalarByScalarOverALongAnswer() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        let corpus = try TokenizerFixture.cases().map(\.text).joined(separator: "\n")
        let runs = String(repeating: " ", count: 9000) + "x" + String(repeating: "ab", count: 5000) + " "
            + String(repeating: "-", count: 7000) + "\n"
        for text in [String(repeating: corpus, count: 4), runs] {
            var tally = TokenTally(tokenizer: tokenizer)
            for scalar in text.unicodeScalars { tally.add(String(scalar)) }
            XCTAssertEqual(tally.count, tokenizer.count(text))
        }
    }

    func testCutIsTiktokensFirstTokens() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        for reference in try TokenizerFixture.cases() {
            for cut in reference.cuts {
                let (limit, bytes) = (cut[0], cut[1])
                var whole = TokenTally(tokenizer: tokenizer)
                XCTAssertEqual(whole.add(reference.text, limit: limit), bytes, "\(reference.text.debugDescription) at \(limit) tokens")
                XCTAssertLessThanOrEqual(whole.count, limit)

                // The same after a first delta that ends before the cut: the second is cut where the whole was.
                var (half, halfBytes) = (0, 0)
                for scalar in reference.text.unicodeScalars {
                    guard halfBytes + scalar.utf8.count <= bytes / 2 else { break }
                    (half, halfBytes) = (half + 1, halfBytes + scalar.utf8.count)
                }
                let deltas = reference.text.deltas(at: [half])
                guard tokenizer.count(deltas[0]) <= limit else { continue }
                var streamed = TokenTally(tokenizer: tokenizer)
                XCTAssertEqual(streamed.add(deltas[0], limit: limit), deltas[0].utf8.count)
                XCTAssertEqual(streamed.add(deltas[1], limit: limit), bytes - deltas[0].utf8.count,
                               "\(reference.text.debugDescription) in two deltas, at \(limit) tokens")
                XCTAssertLessThanOrEqual(streamed.count, limit)
            }
        }
    }

    /// At any limit the kept text counts at most the limit, is valid UTF-8 and is what the tally counts.
    func testCutNeverExceedsTheLimit() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        var random = SeededGenerator(seed: 42)
        for reference in try TokenizerFixture.cases() where reference.count > 1 {
            for limit in 0..<reference.count {
                let offsets = [Int.random(in: 0...reference.text.unicodeScalars.count, using: &random)]
                var tally = TokenTally(tokenizer: tokenizer)
                var kept: [UInt8] = []
                for delta in reference.text.deltas(at: offsets) {
                    let fits = tally.add(delta, limit: limit)
                    kept += delta.utf8.prefix(fits)
                    if fits < delta.utf8.count { break }
                }
                let text = try XCTUnwrap(String(validating: kept, as: UTF8.self), "cut inside a character")
                XCTAssertLessThanOrEqual(tally.count, limit, "\(reference.text.debugDescription) at \(limit)")
                XCTAssertEqual(tally.count, tokenizer.count(text), "\(text.debugDescription) at \(limit)")
            }
        }
    }

    func testWholeDeltaFitsUnderTheLimit() throws {
        var tally = TokenTally(tokenizer: try TokenizerFixture.tokenizer())
        XCTAssertEqual(tally.add("Hello", limit: 5), 5)
        XCTAssertEqual(tally.add(", world", limit: 5), 7)
        XCTAssertEqual(tally.count, 3)
        XCTAssertEqual(tally.add("!!! And more words.", limit: 5), 7) // "!!!" and " And", the fifth token
        XCTAssertEqual(tally.count, 5)
    }
}

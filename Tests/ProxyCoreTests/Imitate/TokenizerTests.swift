import Foundation
import XCTest
@testable import ProxyCore

/// The Swift o200k_base tokenizer against tiktoken's own answers (Fixtures/Tokenizer/o200k_cases.json), and
/// its loading errors.
final class TokenizerTests: XCTestCase {
    func testCountsAndIdsMatchTiktoken() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        for reference in try TokenizerFixture.cases() {
            XCTAssertEqual(tokenizer.count(reference.text), reference.count, "count of \(reference.text.debugDescription)")
            XCTAssertEqual(tokenizer.encode(reference.text), reference.ids, "ids of \(reference.text.debugDescription)")
        }
    }

    /// The pieces come from the pattern alone, so this needs no vocabulary.
    func testPiecesMatchTheSplitPattern() throws {
        for reference in try TokenizerFixture.cases() {
            XCTAssertEqual(Self.pieces(reference.text), reference.pieces, "pieces of \(reference.text.debugDescription)")
        }
    }

    /// A piece still open at the end of text that may go on is left unsettled; one that its following
    /// characters decide is settled.
    func testPiecesSettleOnlyWhenMoreTextCannotChangeThem() {
        let cases: [(text: String, settled: [String])] = [
            ("Hello wor", ["Hello"]),
            ("don'", []),           // 't could still follow
            ("don're", ["don're"]), // nothing longer than 're
            ("x  ", ["x"]),         // the spaces may end the text or precede a word
            ("123", ["123"]),       // three digits end a piece whatever follows
            ("12", []),
            ("!!\n", []),                // more line breaks or slashes may follow
            ("a\r\n\r\nb", ["a", "\r\n\r\n"]),
        ]
        for (text, settled) in cases {
            XCTAssertEqual(Self.pieces(text, final: false), settled, "settled pieces of \(text.debugDescription)")
        }
    }

    func testMergeJoinsTheLowestRankLeftmostFirst() throws {
        // Ranks: a b c, then "bc" before "ab", and "aa".
        let path = try TokenizerFixture.temporaryFile(["YQ== 0", "Yg== 1", "Yw== 2", "YmM= 3", "YWI= 4", "YWE= 5"].joined(separator: "\n"))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tokenizer = try Tokenizer.load(path: path, expectedCount: 6)
        XCTAssertEqual(tokenizer.encode("abc"), [0, 3])     // bc (3) joins before ab (4)
        XCTAssertEqual(tokenizer.encode("aaa"), [5, 0])     // equal ranks: the leftmost pair
        XCTAssertEqual(tokenizer.encode("aaaa"), [5, 5])
        XCTAssertEqual(tokenizer.encode("abab"), [4, 4])
        XCTAssertEqual(tokenizer.count("abcaab"), 4)        // one piece: a bc aa b
    }

    func testLoadErrorsSayWhatIsWrong() throws {
        let missing = "/nonexistent/o200k_base.tiktoken"
        XCTAssertThrowsError(try Tokenizer.load(path: missing)) { error in
            XCTAssertEqual("\(error)", "token vocabulary \"\(missing)\" cannot be read: No such file or directory (scripts/install-deps installs it)")
        }
        let cases: [(lines: [String], message: String)] = [
            (["YQ== 0", "Yg== 1", "Yw==  2"], "line 3: rank is not a number below 3"),
            (["YQ== 0", "Yg==1", "Yw== 2"], "line 2: no space between token and rank"),
            (["YQ== 0", "Y!== 1", "Yw== 2"], "line 2: token is not base64 of 1 to 255 bytes"),
            (["YQ== 0", "Yg== 0", "Yw== 2"], "line 2: rank 0 appears twice"),
            (["YQ== 0", "YQ== 1", "Yw== 2"], "line 2: token repeats an earlier one"),
            (["YQ== 0", "Yg== 1"], "has 2 tokens, expected 3: not o200k_base"),
        ]
        for (lines, message) in cases {
            let path = try TokenizerFixture.temporaryFile(lines.joined(separator: "\n") + "\n")
            defer { try? FileManager.default.removeItem(atPath: path) }
            XCTAssertThrowsError(try Tokenizer.load(path: path, expectedCount: 3)) { error in
                XCTAssertEqual("\(error)", "token vocabulary \"\(path)\" \(message)")
            }
        }
    }

    /// The cost of the vocabulary and the speed of counting, printed for the record (the assertions only
    /// catch a regression by a wide margin).
    func testLoadCostAndCountingSpeed() throws {
        _ = try TokenizerFixture.tokenizer()
        let before = Self.residentBytes()
        let started = DispatchTime.now()
        let tokenizer = try Tokenizer.load(path: Tokenizer.installedPath)
        let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let grown = Self.residentBytes() - before
        print("o200k_base load: \(String(format: "%.3f", loadSeconds)) s, resident +\(grown / 1024) KB, tables \(tokenizer.vocabulary.storageBytes / 1024) KB")
        XCTAssertLessThan(tokenizer.vocabulary.storageBytes, 8 << 20)

        let prose = try TokenizerFixture.cases().map(\.text).joined(separator: " ")
        let text = String(repeating: prose + " ", count: 200)
        let counting = DispatchTime.now()
        let tokens = tokenizer.count(text)
        let countSeconds = Double(DispatchTime.now().uptimeNanoseconds - counting.uptimeNanoseconds) / 1e9
        let megabytes = Double(text.utf8.count) / 1e6
        print("o200k_base count: \(String(format: "%.2f", megabytes)) MB, \(tokens) tokens in \(String(format: "%.3f", countSeconds)) s: "
              + "\(String(format: "%.1f", megabytes / countSeconds)) MB/s, \(String(format: "%.2f", Double(tokens) / countSeconds / 1e6)) M tokens/s")
    }

    /// The pieces of `text` by the pattern; with `final` false only those more text could not change.
    static func pieces(_ text: String, final: Bool = true) -> [String] {
        var text = text
        return text.withUTF8 { bytes in
            var pieces: [String] = []
            var start = 0
            while start < bytes.count, let end = TokenPieces.end(of: bytes, from: start, final: final) {
                pieces.append(String(decoding: bytes[start..<end], as: UTF8.self))
                start = end
            }
            return pieces
        }
    }

    private static func residentBytes() -> Int {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        let pages = statm.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

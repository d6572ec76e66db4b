import Foundation
import XCTest
@testable import ProxyCore

/// The installed o200k_base tokenizer, loaded once for all tests, and the reference cases tiktoken gave
/// (Fixtures/Tokenizer/o200k_cases.json, written by scripts/tokenizer-cases).
enum TokenizerFixture {
    struct Case: Decodable {
        var text: String
        var count: Int
        var ids: [Int]
        var pieces: [String]
        /// [limit, bytes of the first `limit` tokens] where that prefix ends on a character boundary.
        var cuts: [[Int]]
    }

    private struct File: Decodable {
        var cases: [Case]
    }

    private static let loaded: Result<Tokenizer, TokenizerError>? = {
        guard FileManager.default.fileExists(atPath: Tokenizer.installedPath) else { return nil }
        return Result { () throws(TokenizerError) in try Tokenizer.load(path: Tokenizer.installedPath) }
    }()

    /// The tokenizer, or a skip that says why there is none.
    static func tokenizer() throws -> Tokenizer {
        guard let loaded else {
            throw XCTSkip("\(Tokenizer.installedPath) is not installed; scripts/install-deps installs it")
        }
        return try loaded.get()
    }

    static func cases() throws -> [Case] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/Tokenizer/o200k_cases.json")
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }

    /// A file in a fresh temporary directory, for vocabularies made up by a test.
    static func temporaryFile(_ contents: String) throws -> String {
        let path = NSTemporaryDirectory() + "tokenizer-\(UUID().uuidString).tiktoken"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

extension String {
    /// The text cut into deltas at the given scalar offsets (sorted, within 0...scalar count).
    func deltas(at offsets: [Int]) -> [String] {
        let scalars = Array(unicodeScalars)
        var parts: [String] = []
        var previous = 0
        for offset in offsets + [scalars.count] {
            var part = String.UnicodeScalarView()
            part.append(contentsOf: scalars[previous..<offset])
            parts.append(String(part))
            previous = offset
        }
        return parts
    }
}

import XCTest
@testable import ProxyCore

/// Runs `body` over the UTF-8 bytes of `text`, as a socket read would present them.
func withBytes<R>(_ text: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try Array(text.utf8).withUnsafeBytes(body)
}

extension String {
    /// The first `count` UTF-8 bytes ("\r\n" is one Character, so `prefix` would count it once).
    func bytePrefix(_ count: Int) -> String {
        String(decoding: utf8.prefix(count), as: UTF8.self)
    }
}

/// Offers `bytes` one more byte at a time, passing the scanned position back as `searchFrom`, and returns
/// the first final answer with the byte count it came at (or the last incomplete one).
func dribble<R: IncrementalParseResult>(_ bytes: [UInt8], _ parse: (UnsafeRawBufferPointer, Int) -> R,
                                        file: StaticString = #filePath, line: UInt = #line) -> (result: R, at: Int) {
    bytes.withUnsafeBytes { all in
        var scanned = 0
        var result = parse(UnsafeRawBufferPointer(rebasing: all[..<0]), 0)
        for end in stride(from: 1, through: all.count, by: 1) {
            result = parse(UnsafeRawBufferPointer(rebasing: all[..<end]), scanned)
            guard let next = result.resumeFrom else { return (result, end) }
            // Everything received has been looked at once; nothing needs a rescan.
            XCTAssertEqual(next, end, file: file, line: line)
            scanned = next
        }
        return (result, all.count)
    }
}

/// A fuzz run reached every outcome (each at least 2% of the inputs): mutations that never get past the
/// first check would test nothing beyond it.
func assertSpread(_ outcomes: [Int], file: StaticString = #filePath, line: UInt = #line) {
    let total = outcomes.reduce(0, +)
    for count in outcomes { XCTAssertGreaterThan(count * 50, total, "\(outcomes)", file: file, line: line) }
}

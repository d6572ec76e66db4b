import XCTest
@testable import ProxyCore

/// What decoding a whole input produced, however it was split.
struct ChunkedOutcome: Equatable {
    var payload: [UInt8] = []
    var final: ChunkedDecoder.Event = .needMore
    /// Bytes of the input that belong to the chunked body (the rest is the next message).
    var bodyLength = 0
}

/// Decodes `input` arriving in pieces ending at `cuts`, as the relay would: payload ranges are copied out,
/// unconsumed bytes are offered again with the next piece.
func decodeChunked(_ input: [UInt8], cuts: [Int]) -> ChunkedOutcome {
    var decoder = ChunkedDecoder()
    var outcome = ChunkedOutcome()
    var position = 0
    input.withUnsafeBytes { all in
        for available in cuts + [all.count] where available >= position {
            while true {
                let view = UnsafeRawBufferPointer(rebasing: all[position..<available])
                let (consumed, event) = decoder.next(view)
                XCTAssertLessThanOrEqual(consumed, view.count)
                position += consumed
                switch event {
                case .needMore:
                    XCTAssertEqual(consumed, view.count, "needMore must consume everything")
                case .data(let range):
                    XCTAssertFalse(range.isEmpty)
                    XCTAssertEqual(range.upperBound, consumed)
                    outcome.payload += view[range]
                    continue
                case .end, .invalid:
                    outcome.final = event
                    outcome.bodyLength = position
                    return
                }
                break
            }
        }
    }
    return outcome
}

final class ChunkedDecoderTests: XCTestCase {
    private func decode(_ text: String) -> ChunkedOutcome {
        decodeChunked(Array(text.utf8), cuts: [])
    }

    private func assertInvalid(_ text: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        let outcome = decode(text)
        guard case .invalid(let got) = outcome.final else {
            return XCTFail("accepted: \(outcome)", file: file, line: line)
        }
        XCTAssertTrue(got.contains(message), got, file: file, line: line)
    }

    /// Every split into two pieces, and one byte at a time, must give the same outcome as the whole.
    private func assertSplitInvariant(_ input: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let whole = decodeChunked(input, cuts: [])
        for cut in 0...input.count {
            XCTAssertEqual(decodeChunked(input, cuts: [cut]), whole, "cut at \(cut)", file: file, line: line)
        }
        XCTAssertEqual(decodeChunked(input, cuts: Array(0...input.count)), whole, "byte by byte", file: file, line: line)
    }

    func testDecodesChunksAndStopsAtTheEndOfTheBody() {
        let body = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        let outcome = decode(body + "GET / HTTP/1.1\r\n")
        XCTAssertEqual(String(decoding: outcome.payload, as: UTF8.self), "hello world")
        XCTAssertEqual(outcome.final, .end)
        XCTAssertEqual(outcome.bodyLength, body.utf8.count)
    }

    func testDataRangeIsWithinTheBufferAfterTheSizeLine() {
        var decoder = ChunkedDecoder()
        withBytes("5\r\nhel") { bytes in
            let (consumed, event) = decoder.next(bytes)
            XCTAssertEqual(consumed, 6)
            XCTAssertEqual(event, .data(3..<6))
        }
        withBytes("lo\r\n0\r\n\r\nNEXT") { bytes in
            XCTAssertEqual(decoder.next(bytes).event, .data(0..<2))
            let rest = UnsafeRawBufferPointer(rebasing: bytes[2...])
            let (consumed, event) = decoder.next(rest)
            XCTAssertEqual(event, .end)
            XCTAssertEqual(consumed, 7)
        }
        XCTAssertTrue(decoder.isFinished)
        withBytes("more") { XCTAssertEqual(decoder.next($0).consumed, 0) }
    }

    func testSyntaxVariantsThatAreValid() {
        let cases = [
            "A\r\n0123456789\r\n0\r\n\r\n", "a\r\n0123456789\r\n0\r\n\r\n", "0000a\r\n0123456789\r\n000\r\n\r\n",
            "a;name=value\r\n0123456789\r\n0;last\r\n\r\n", "a ;x\r\n0123456789\r\n0\t;y=\"q z\"\r\n\r\n",
            "a  \r\n0123456789\r\n0\r\n\r\n",
            "a\r\n0123456789\r\n0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n",
        ]
        for text in cases {
            let outcome = decode(text)
            XCTAssertEqual(outcome.final, .end, text)
            XCTAssertEqual(String(decoding: outcome.payload, as: UTF8.self), "0123456789", text)
        }
    }

    func testRejections() {
        assertInvalid("x\r\n", "invalid chunk size")
        assertInvalid("\r\n", "invalid chunk size")
        assertInvalid(";ext\r\n", "invalid chunk size")
        assertInvalid("-5\r\n", "invalid chunk size")
        assertInvalid("+5\r\n", "invalid chunk size")
        assertInvalid("0x5\r\n", "invalid chunk size")
        assertInvalid("5 5\r\nhello\r\n", "invalid chunk size")
        assertInvalid(" 5\r\n", "invalid chunk size")
        assertInvalid("5\nhello\r\n", "bare LF")
        assertInvalid("5\rhello\r\n", "bare CR")
        assertInvalid("5;a\nhello\r\n", "bare LF")
        assertInvalid("5;a\u{1}b\r\nhello\r\n", "control character")
        assertInvalid("5\r\nhelloX\r\n0\r\n\r\n", "missing CRLF after chunk data")
        assertInvalid("5\r\nhello\n0\r\n\r\n", "missing CRLF after chunk data")
        assertInvalid("5\r\nhello\r0\r\n\r\n", "missing CRLF after chunk data")
        assertInvalid("3\r\nhello\r\n0\r\n\r\n", "missing CRLF after chunk data")
        assertInvalid("0\r\n\n", "bare LF in trailer")
        assertInvalid("0\r\nX: 1\n\r\n", "bare LF in trailer")
        assertInvalid("0\r\nX: 1\r\r\n", "bare CR in trailer")
        assertInvalid("0\r\n\rX", "bare CR in trailer")
    }

    func testSizeDigitsAreBounded() {
        var decoder = ChunkedDecoder()
        withBytes("ffffffffffffffff\r\nabc") { bytes in
            XCTAssertEqual(decoder.next(bytes).event, .data(18..<21))
        }
        assertInvalid("1ffffffffffffffff\r\n", "chunk size too large")
        assertInvalid("00000000000000001\r\nx\r\n0\r\n\r\n", "chunk size too large")
    }

    func testSizeLineAndTrailersAreBounded() {
        let longExtension = ";" + String(repeating: "e", count: ChunkedDecoder.maxSizeLine)
        assertInvalid("5" + longExtension + "\r\nhello\r\n0\r\n\r\n", "chunk size line too long")
        let fits = "5;" + String(repeating: "e", count: ChunkedDecoder.maxSizeLine - 3) + "\r\nhello\r\n0\r\n\r\n"
        XCTAssertEqual(decode(fits).final, .end)
        let trailer = "X: " + String(repeating: "t", count: ChunkedDecoder.maxTrailerBytes) + "\r\n"
        assertInvalid("0\r\n" + trailer + "\r\n", "trailer section too large")
    }

    func testErrorsAreSticky() {
        var decoder = ChunkedDecoder()
        withBytes("zz") { bytes in
            XCTAssertEqual(decoder.next(bytes).consumed, 0)
        }
        withBytes("5\r\nhello\r\n") { bytes in
            guard case (0, .invalid) = decoder.next(bytes) else { return XCTFail() }
        }
    }

    func testEveryByteSplitGivesTheSameResult() {
        let inputs = [
            "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT",
            "1\r\na\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n",
            "5\r\nhello\r\n0\r\n\r\n",
            "5\r\nhelloX\r\n",
            "5\r\nhello\r\n0\r\nX: 1\nY\r\n\r\n",
            "0\r\n\r\n",
        ]
        for input in inputs { assertSplitInvariant(Array(input.utf8)) }
    }

    func testLargeChunkArrivesInPieces() {
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let input = Array("186a0\r\n".utf8) + payload + Array("\r\n0\r\n\r\n".utf8)
        let outcome = decodeChunked(input, cuts: Array(stride(from: 0, to: input.count, by: 1000)))
        XCTAssertEqual(outcome.final, .end)
        XCTAssertEqual(outcome.payload, payload)
    }
}

import XCTest
@testable import ProxyCore

/// The streaming decoder for each coding: any split of the input, small output space, corrupt and
/// truncated input, and the bound on decoded bytes a compression bomb can make proxyd hold.
final class ContentDecoderTests: XCTestCase {
    private static let small = Array("data: {\"i\":0}\n\ndata: {\"i\":1}\n\ndata: hello hello hello hello\n\n".utf8)

    private static func text(_ count: Int) -> [UInt8] {
        var generator = SeededGenerator(seed: 7)
        let words = ["alpha ", "beta ", "gamma ", "delta ", "{\"k\":1} ", "\n"].map { Array($0.utf8) }
        var out: [UInt8] = []
        while out.count < count { out += words[Int(generator.next() % UInt64(words.count))] }
        return Array(out.prefix(count))
    }

    /// Feeds `input` in pieces ending at `cuts` with `room` bytes of output space per call, as the
    /// relay does: unconsumed input is offered again, output the decoder holds is asked for.
    private func decode(_ coding: ContentCoding, _ input: [UInt8], cuts: [Int] = [], room: Int = 4096,
                        file: StaticString = #filePath, line: UInt = #line) -> Result<([UInt8], Bool), ContentDecodingError> {
        guard let decoder = ContentDecoder(coding) else {
            XCTFail("no decoder", file: file, line: line)
            return .failure(ContentDecodingError(message: "no decoder"))
        }
        var out: [UInt8] = []
        var space = [UInt8](repeating: 0, count: room)
        var position = 0
        for available in cuts + [input.count] where available >= position {
            while position < available || decoder.hasOutput {
                let result = input.withUnsafeBytes { all in
                    space.withUnsafeMutableBytes { decoder.decode(UnsafeRawBufferPointer(rebasing: all[position..<available]), into: $0) }
                }
                switch result {
                case .failure(let error):
                    return .failure(error)
                case .success(let step):
                    XCTAssertLessThanOrEqual(step.produced, room, file: file, line: line)
                    position += step.consumed
                    out += space.prefix(step.produced)
                    if step.consumed == 0 && step.produced == 0 { break }
                }
            }
        }
        return .success((out, decoder.isComplete))
    }

    func testEachCodingRoundTrips() throws {
        let original = Self.text(300_000)
        for encoding in TestEncoding.all {
            let (decoded, complete) = try decode(encoding.coding, encoding.encode(original)).get()
            XCTAssertEqual(decoded, original, "\(encoding)")
            XCTAssertTrue(complete, "\(encoding)")
        }
    }

    func testEverySplitOfASmallInputAndTinyOutputSpace() throws {
        for encoding in TestEncoding.all {
            let encoded = encoding.encode(Self.small)
            for cut in 0...encoded.count {
                let (decoded, complete) = try decode(encoding.coding, encoded, cuts: [cut]).get()
                XCTAssertEqual(decoded, Self.small, "\(encoding) split at \(cut)")
                XCTAssertTrue(complete, "\(encoding) split at \(cut)")
            }
            let byteByByte = try decode(encoding.coding, encoded, cuts: Array(0..<encoded.count), room: 7).get()
            XCTAssertEqual(byteByByte.0, Self.small, "\(encoding) byte by byte into 7-byte output")
        }
    }

    func testTruncatedInputIsIncompleteAndEmptyInputIsComplete() throws {
        for encoding in TestEncoding.all {
            let encoded = encoding.encode(Self.small)
            let (_, complete) = try decode(encoding.coding, Array(encoded.dropLast(3))).get()
            XCTAssertFalse(complete, "\(encoding) without its last 3 bytes")
            XCTAssertTrue(try decode(encoding.coding, []).get().1, "\(encoding): an empty body")
        }
    }

    func testCorruptInputFails() {
        let garbage = Array("this is not compressed at all, just text".utf8)
        for coding in [ContentCoding.gzip, .br, .zstd] {
            guard case .failure(let error) = decode(coding, garbage) else { return XCTFail("\(coding) accepted garbage") }
            XCTAssertFalse(error.message.isEmpty)
        }
        // A flipped byte in the middle breaks gzip's CRC or its Huffman codes.
        var gzip = TestEncoding.gzip.encode(Self.text(10_000))
        gzip[gzip.count / 2] ^= 0xFF
        guard case .failure = decode(.gzip, gzip) else { return XCTFail("corrupt gzip accepted") }
    }

    func testGzipMembersConcatenateAndTrailingBytesAreIgnored() throws {
        let first = Self.text(1000), second = Self.text(500)
        let members = TestEncoding.gzip.encode(first) + TestEncoding.gzip.encode(second)
        XCTAssertEqual(try decode(.gzip, members).get().0, first + second)
        let trailing = TestEncoding.rawDeflate.encode(first) + [0, 0, 0]
        XCTAssertEqual(try decode(.deflate, trailing).get().0, first)
    }

    // MARK: DecodedBody

    func testDecodedBodyIsValidChunkedFraming() throws {
        let original = Self.text(200_000)
        var output = IOBuffer()
        let decoder = try XCTUnwrap(ContentDecoder(.br))
        let consumed = try TestEncoding.br.encode(original).withUnsafeBytes {
            try DecodedBody.write(decoder, $0, chunked: true, into: &output, limit: 1 << 20).get()
        }
        XCTAssertGreaterThan(consumed, 0)
        let framed = Array(output.readable) + Array("0\r\n\r\n".utf8)
        let outcome = decodeChunked(framed, cuts: [])
        XCTAssertEqual(outcome.final, .end)
        XCTAssertEqual(outcome.payload, original)
    }

    /// 64 MB of zeros in about 64 KB of gzip: proxyd never holds more than the limit plus one chunk of
    /// decoded bytes, keeps the coded rest, and gets everything out as the client takes it.
    func testCompressionBombIsDecodedOnlyAsFastAsTheClientTakesIt() throws {
        let total = 64 << 20
        let bomb = TestEncoding.gzip.encode([UInt8](repeating: 0, count: total))
        let limit = 256 * 1024
        let decoder = try XCTUnwrap(ContentDecoder(.gzip))
        var output = IOBuffer()
        var position = 0
        var decoded = 0
        var largestBuffer = 0
        var rounds = 0
        while position < bomb.count || decoder.hasOutput {
            let consumed = try bomb.withUnsafeBytes {
                try DecodedBody.write(decoder, UnsafeRawBufferPointer(rebasing: $0[position...]), chunked: false,
                                      into: &output, limit: limit).get()
            }
            position += consumed
            largestBuffer = max(largestBuffer, output.readableCount)
            XCTAssertLessThanOrEqual(output.capacity, 2 * limit, "the output buffer stays bounded")
            if rounds == 0 { XCTAssertLessThan(position, bomb.count, "the first round keeps coded input back") }
            decoded += output.readableCount
            XCTAssertTrue(output.readable.allSatisfy { $0 == 0 })
            output.consume(output.readableCount)  // the client took it
            rounds += 1
        }
        XCTAssertEqual(decoded, total)
        XCTAssertLessThanOrEqual(largestBuffer, limit + 64 * 1024)
        XCTAssertGreaterThan(rounds, total / (limit + 64 * 1024))
        XCTAssertTrue(decoder.isComplete)
    }
}

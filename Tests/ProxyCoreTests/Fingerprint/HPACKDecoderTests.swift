import XCTest
@testable import ProxyCore

/// RFC 7541 Appendix C: each group of blocks is decoded by one decoder, so the dynamic table carries over.
final class HPACKDecoderTests: XCTestCase {
    private struct Step {
        var hex: String
        var fields: [(String, String)]
        var tableSize: Int
    }

    private func run(_ steps: [Step], tableSize: Int = 4096, file: StaticString = #filePath, line: UInt = #line) {
        var decoder = HPACKDecoder(tableSizeLimit: tableSize)
        for step in steps {
            switch decoder.decode(bytes(hex: step.hex)[...]) {
            case .failure(let error): XCTFail("\(step.hex): \(error.reason)", file: file, line: line)
            case .success(let fields):
                XCTAssertEqual(fields.map(\.name), step.fields.map(\.0), file: file, line: line)
                XCTAssertEqual(fields.map(\.value), step.fields.map(\.1), file: file, line: line)
            }
            XCTAssertEqual(decoder.tableSize, step.tableSize, step.hex, file: file, line: line)
        }
    }

    func testC2LiteralRepresentations() {
        let cases: [(String, String, String, HPACKDecoder.Representation, Int)] = [
            ("400a637573746f6d2d6b65790d637573746f6d2d686561646572", "custom-key", "custom-header", .incremental, 55),
            ("040c2f73616d706c652f70617468", ":path", "/sample/path", .withoutIndexing, 0),
            ("100870617373776f726406736563726574", "password", "secret", .neverIndexed, 0),
            ("82", ":method", "GET", .indexed, 0),
        ]
        for (hex, name, value, representation, size) in cases {
            var decoder = HPACKDecoder()
            let fields = try? decoder.decode(bytes(hex: hex)[...]).get()
            XCTAssertEqual(fields, [HPACKDecoder.Field(name: name, value: value, representation: representation, huffman: false)], hex)
            XCTAssertEqual(decoder.tableSize, size, hex)
        }
    }

    private let requests: [[(String, String)]] = [
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache")],
        [(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value")],
    ]

    func testC3RequestsWithoutHuffman() {
        run([
            Step(hex: "828684410f7777772e6578616d706c652e636f6d", fields: requests[0], tableSize: 57),
            Step(hex: "828684be58086e6f2d6361636865", fields: requests[1], tableSize: 110),
            Step(hex: "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565", fields: requests[2], tableSize: 164),
        ])
    }

    func testC4RequestsWithHuffman() {
        run([
            Step(hex: "828684418cf1e3c2e5f23a6ba0ab90f4ff", fields: requests[0], tableSize: 57),
            Step(hex: "828684be5886a8eb10649cbf", fields: requests[1], tableSize: 110),
            Step(hex: "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf", fields: requests[2], tableSize: 164),
        ])
    }

    private let responses: [[(String, String)]] = [
        [(":status", "302"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")],
        [(":status", "307"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")],
        [(":status", "200"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT"), ("location", "https://www.example.com"),
         ("content-encoding", "gzip"), ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1")],
    ]

    /// A 256-byte table, so entries get evicted.
    func testC5ResponsesWithoutHuffman() {
        run([
            Step(hex: "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e"
                + "1768747470733a2f2f7777772e6578616d706c652e636f6d", fields: responses[0], tableSize: 222),
            Step(hex: "4803333037c1c0bf", fields: responses[1], tableSize: 222),
            Step(hex: "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153"
                + "444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
                 fields: responses[2], tableSize: 215),
        ], tableSize: 256)
    }

    func testC6ResponsesWithHuffman() {
        run([
            Step(hex: "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
                 fields: responses[0], tableSize: 222),
            Step(hex: "4883640effc1c0bf", fields: responses[1], tableSize: 222),
            Step(hex: "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f"
                + "3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007", fields: responses[2], tableSize: 215),
        ], tableSize: 256)
    }

    /// Every symbol's code, padded with 1 bits, decodes to that symbol alone.
    func testHuffmanCodeOfEverySymbol() {
        for symbol in 0..<256 {
            let encoded = huffmanEncode([UInt8(symbol)])
            XCTAssertEqual(HPACKHuffman.decode(encoded[...]), [UInt8(symbol)], "symbol \(symbol)")
        }
        let text = Array("Mozilla/5.0 (X11; Linux x86_64) \u{00e9}\u{0000}\u{007f}".utf8)
        XCTAssertEqual(HPACKHuffman.decode(huffmanEncode(text)[...]), text)
    }

    func testMalformedBlocks() {
        let cases: [(String, String)] = [
            ("80", "index 0"),
            ("be", "dynamic index with an empty table"),
            ("ff9f4e", "index past both tables"),
            ("40", "truncated literal"),
            ("4000", "literal name, no value"),
            ("1f8080808080808080", "endless integer"),
            ("400a6375", "string shorter than its length"),
            ("4081ff0161", "Huffman string of 8 padding bits"),
            ("4084fffffffe0161", "Huffman EOS"),
            ("820f", "truncated integer"),
            ("823f", "size update after a field"),
            ("3fe21f", "size update above the announced limit"),
        ]
        for (hex, label) in cases {
            var decoder = HPACKDecoder()
            guard case .failure = decoder.decode(bytes(hex: hex)[...]) else { return XCTFail(label) }
        }
    }

    func testTableSizeUpdateEvictsAndHeaderListIsBounded() throws {
        var decoder = HPACKDecoder()
        _ = try decoder.decode(bytes(hex: "400a637573746f6d2d6b65790d637573746f6d2d686561646572")[...]).get()
        XCTAssertEqual(decoder.tableSize, 55)
        XCTAssertEqual(try decoder.decode(bytes(hex: "2082")[...]).get().map(\.value), ["GET"])
        XCTAssertEqual(decoder.tableSize, 0)
        var small = HPACKDecoder(maxHeaderListSize: 100)
        guard case .failure = small.decode(bytes(hex: "828282")[...]) else { return XCTFail("list bound not enforced") }
    }
}

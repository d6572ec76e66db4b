import XCTest
@testable import ProxyCore

final class HTTP2FingerprintTests: XCTestCase {
    /// Rebuilds the bytes a reference client sent from its fpcapture record: the frames in recorded
    /// order, the HEADERS block re-encoded with the recorded HPACK representations.
    private func preface(_ h2: FingerprintFixture.HTTP2) -> [UInt8] {
        var encoder = TestHPACKEncoder()
        var block: [UInt8] = []
        for (header, representation) in zip(h2.headers, h2.hpack) {
            block += encoder.encode(name: header[0], value: header[1], representation: representation)
        }
        var out = HTTP2Preface.magic
        var windowUpdates = h2.window_updates[...]
        var priorities = h2.priority_frames[...]
        for frame in h2.frames {
            switch frame.type {
            case "SETTINGS" where frame.flags & 1 == 0:
                out += http2Frame(type: 4, flags: 0, stream: 0, h2.settings.flatMap { [UInt8($0[0] >> 8), UInt8($0[0] & 0xFF)] + withBigEndian($0[1]) })
            case "SETTINGS":
                out += http2Frame(type: 4, flags: 1, stream: 0, [])
            case "WINDOW_UPDATE":
                guard let update = windowUpdates.popFirst() else { continue }
                out += http2Frame(type: 8, flags: 0, stream: update[0], withBigEndian(update[1]))
            case "PRIORITY":
                guard let p = priorities.popFirst() else { continue }
                out += http2Frame(type: 2, flags: 0, stream: p[0], withBigEndian(p[1] << 31 | p[2]) + [UInt8(p[3] - 1)])
            default:
                let headers = h2.headers_frame
                let priority = headers.priority.map { withBigEndian($0.exclusive << 31 | $0.depends_on) + [UInt8($0.weight - 1)] } ?? []
                out += http2Frame(type: 1, flags: headers.flags, stream: headers.stream_id, priority + block)
            }
        }
        return out
    }

    /// The Chrome 156 preface (SETTINGS, WINDOW_UPDATE, HEADERS with exclusive priority, Huffman-coded
    /// literals) gives the reference Akamai string of chromium_headless.json.
    func testChromePreface() throws {
        let fixture = try FingerprintFixture.load("chromium_headless.json")
        let h2 = try XCTUnwrap(fixture.http2)
        let fingerprint = try XCTUnwrap(HTTP2Fingerprint(preface: preface(h2)))
        XCTAssertEqual(fingerprint.akamai, "1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p")
        XCTAssertEqual(fingerprint.akamaiMD5, "52d84b11737d980aef856699f885ca86")
        XCTAssertEqual(fingerprint.pseudoHeaderOrder, [":method", ":authority", ":scheme", ":path"])
        XCTAssertEqual(fingerprint.headerOrder.first, "sec-ch-ua")
        XCTAssertEqual(fingerprint.preface.headersPriority, HTTP2Preface.Priority(exclusive: true, dependsOn: 0, weight: 256))
        XCTAssertEqual(fingerprint.preface.headersFlags, 0x25)
        XCTAssertTrue(fingerprint.preface.headers.contains { $0.huffman })
    }

    /// Every reference client that spoke HTTP/2: Akamai string, header order and decoded values.
    func testReferencePrefaces() throws {
        var checked = 0
        for fixture in try FingerprintFixture.all() {
            guard let h2 = fixture.http2 else { continue }
            guard let fingerprint = HTTP2Fingerprint(preface: preface(h2)) else {
                XCTFail("\(fixture.label): no fingerprint")
                continue
            }
            XCTAssertEqual(fingerprint.akamai, fixture.akamai, fixture.label)
            XCTAssertEqual(fingerprint.pseudoHeaderOrder, h2.pseudo_header_order, fixture.label)
            XCTAssertEqual(fingerprint.headerOrder, h2.header_order, fixture.label)
            XCTAssertEqual(fingerprint.preface.headers.map { [$0.name, $0.value] }, h2.headers, fixture.label)
            XCTAssertEqual(fingerprint.preface.frames.count, h2.frames.count, fixture.label)
            checked += 1
        }
        XCTAssertEqual(checked, 15)
    }

    func testContinuationPaddingAndIncompleteInput() throws {
        var encoder = TestHPACKEncoder()
        let block = encoder.encode(name: ":method", value: "GET", representation: "indexed")
            + encoder.encode(name: ":path", value: "/x", representation: "literal+huffman")
            + encoder.encode(name: "user-agent", value: "t", representation: "literal-never-indexed")
        let wire = HTTP2Preface.magic + http2Frame(type: 4, flags: 0, stream: 0, [0, 3, 0, 0, 0, 100])
            + http2Frame(type: 1, flags: 0x08, stream: 1, [2] + block.prefix(2) + [0, 0])
            + http2Frame(type: 9, flags: 0x04, stream: 1, Array(block.dropFirst(2)))
        let fingerprint = try XCTUnwrap(HTTP2Fingerprint(preface: wire))
        XCTAssertEqual(fingerprint.akamai, "3:100|00|0|m,p")
        XCTAssertEqual(fingerprint.preface.headers.map(\.representation), [.indexed, .withoutIndexing, .neverIndexed])
        for length in 0..<wire.count {
            XCTAssertEqual(HTTP2Preface.parse(Array(wire.prefix(length))), .incomplete, "prefix \(length)")
        }
    }

    func testInvalidPrefaces() {
        let magic = HTTP2Preface.magic
        let cases: [([UInt8], String)] = [
            (Array("GET / HTTP/1.1\r\n".utf8), "HTTP/1.1"),
            (magic + [0x10, 0, 1, 4, 0, 0, 0, 0, 0], "frame over the size bound"),
            (magic + http2Frame(type: 1, flags: 0, stream: 1, [0x82]) + http2Frame(type: 0, flags: 0, stream: 1, []), "DATA inside a header block"),
            (magic + http2Frame(type: 1, flags: 0x0C, stream: 1, [9, 0x82]), "padding longer than the payload"),
            (magic + http2Frame(type: 1, flags: 0x24, stream: 1, [0, 0, 0]), "priority fields cut short"),
            (magic + http2Frame(type: 1, flags: 0x04, stream: 1, [0x80]), "HPACK index 0"),
            (magic + Array(repeating: http2Frame(type: 6, flags: 0, stream: 0, [UInt8](repeating: 0, count: 8)), count: 200).flatMap { $0 }, "no HEADERS"),
        ]
        for (input, label) in cases {
            guard case .invalid = HTTP2Preface.parse(input) else { return XCTFail(label) }
        }
    }
}

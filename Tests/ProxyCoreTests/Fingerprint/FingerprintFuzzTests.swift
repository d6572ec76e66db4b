import XCTest
@testable import ProxyCore

/// Seeded mutations of real ClientHellos, HEADERS blocks and prefaces: nothing may trap, every kind of
/// answer must be reached, and a prefix of the input must either ask for more or give the same answer.
final class FingerprintFuzzTests: XCTestCase {
    private func mutate(_ seed: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !bytes.isEmpty: bytes[at] = UInt8.random(in: 0...255, using: &rng)
            case 1 where !bytes.isEmpty: bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &rng)
            case 2: bytes.insert(contentsOf: [0xFF, 0x00, 0x80, 0x7F].prefix(Int.random(in: 1...4, using: &rng)), at: at)
            case 3 where !bytes.isEmpty: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &rng)))
            case 4: bytes = Array(bytes.prefix(at))
            default: if !bytes.isEmpty { bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 16)], at: at) }
            }
        }
        return bytes
    }

    func testClientHelloParser() throws {
        let seeds = try ["chromium_headless.json", "curl_openssl.json", "python_urllib.json", "curl_cffi_safari270.json"].map {
            tlsRecords(bytes(hex: try FingerprintFixture.load($0).tls.raw), version: 0x0301, fragment: 600)
        }
        var rng = SeededGenerator(seed: 7)
        var outcomes = [0, 0, 0]
        for n in 0..<3000 {
            let input = mutate(seeds[n % seeds.count], &rng)
            let whole = ClientHello.parse(input)
            switch whole {
            case .complete(let hello):
                outcomes[0] += 1
                let fingerprint = TLSFingerprint(hello)
                XCTAssertEqual(fingerprint.ja4.split(separator: "_").count, 3)
                XCTAssertEqual(fingerprint.ja3n.split(separator: ",", omittingEmptySubsequences: false).count, 5)
            case .incomplete: outcomes[1] += 1
            case .invalid: outcomes[2] += 1
            }
            let prefix = ClientHello.parse(Array(input.prefix(Int.random(in: 0...input.count, using: &rng))))
            XCTAssertTrue(prefix == .incomplete || prefix == whole, "case \(n)")
        }
        assertSpread(outcomes)
    }

    func testHPACKDecoder() throws {
        let seeds = try FingerprintFixture.all().compactMap(\.http2).map { h2 in
            var encoder = TestHPACKEncoder()
            return zip(h2.headers, h2.hpack).flatMap { encoder.encode(name: $0.0[0], value: $0.0[1], representation: $0.1) }
        }
        var rng = SeededGenerator(seed: 11)
        var outcomes = [0, 0]
        for n in 0..<3000 {
            var decoder = HPACKDecoder(maxHeaderListSize: 4096)
            switch decoder.decode(mutate(seeds[n % seeds.count], &rng)[...]) {
            case .success(let fields):
                outcomes[0] += 1
                // Each field costs at least 32 bytes of the header list bound.
                XCTAssertLessThanOrEqual(fields.count, 4096 / 32)
            case .failure(let error):
                outcomes[1] += 1
                XCTAssertTrue(error.reason.hasPrefix("HPACK: "))
            }
            XCTAssertLessThanOrEqual(decoder.tableSize, 4096)
        }
        assertSpread(outcomes)
    }

    func testHTTP2PrefaceParser() {
        var encoder = TestHPACKEncoder()
        let block = encoder.encode(name: ":method", value: "GET", representation: "indexed")
            + encoder.encode(name: ":authority", value: "localhost:8443", representation: "literal-incremental+huffman")
            + encoder.encode(name: "user-agent", value: "Mozilla/5.0", representation: "literal-incremental+huffman")
        let seed = HTTP2Preface.magic + http2Frame(type: 4, flags: 0, stream: 0, [0, 1, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0])
            + http2Frame(type: 8, flags: 0, stream: 0, withBigEndian(15_663_105))
            + http2Frame(type: 2, flags: 0, stream: 3, [0, 0, 0, 0, 200])
            + http2Frame(type: 1, flags: 0x20, stream: 1, [0x80, 0, 0, 0, 255] + block.prefix(10))
            + http2Frame(type: 9, flags: 0x04, stream: 1, Array(block.dropFirst(10)))
        var rng = SeededGenerator(seed: 13)
        var outcomes = [0, 0, 0]
        for n in 0..<3000 {
            let input = mutate(seed, &rng)
            let whole = HTTP2Preface.parse(input)
            switch whole {
            case .complete(let preface):
                outcomes[0] += 1
                XCTAssertEqual(HTTP2Fingerprint(preface).akamai.split(separator: "|", omittingEmptySubsequences: false).count, 4)
            case .incomplete: outcomes[1] += 1
            case .invalid: outcomes[2] += 1
            }
            let prefix = HTTP2Preface.parse(Array(input.prefix(Int.random(in: 0...input.count, using: &rng))))
            XCTAssertTrue(prefix == .incomplete || prefix == whole, "case \(n)")
        }
        assertSpread(outcomes)
    }
}

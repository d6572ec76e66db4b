import XCTest
@testable import ProxyCore

final class TLSFingerprintTests: XCTestCase {
    private func codes(_ text: String) -> [UInt16] {
        text.split(separator: ",").compactMap { UInt16($0, radix: 16) }
    }

    private func hello(ciphers: String, extensions: String, signatures: String, alpn: [String]) -> ClientHello {
        ClientHello(recordVersion: 0x0301, legacyVersion: 0x0303, sessionIDLength: 32, cipherSuites: codes(ciphers),
                    compressionMethods: [0], extensions: codes(extensions).map { .init(type: $0, data: []) },
                    serverName: "example.com", alpn: alpn.map { Array($0.utf8) }, supportedVersions: [0x0304, 0x0303],
                    signatureAlgorithms: codes(signatures), supportedGroups: [], ecPointFormats: [], malformedExtensions: [])
    }

    /// Chrome's (pre-ML-DSA) lists, shared by the published examples.
    private let chromeCiphers = "1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035"
    private let chromeSignatures = "0403,0804,0401,0503,0805,0501,0806,0601"

    /// The worked example of FoxIO's technical_details/JA4.md.
    func testJA4SpecExample() {
        let fingerprint = TLSFingerprint(hello(
            ciphers: chromeCiphers,
            extensions: "001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015",
            signatures: chromeSignatures, alpn: ["h2", "http/1.1"]))
        XCTAssertEqual(fingerprint.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1")
        XCTAssertEqual(fingerprint.ja4R, "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
            + "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601")
        XCTAssertEqual(fingerprint.ja4O, "t13d1516h2_acb858a92679_18f69afefd3d")
    }

    /// A published Chrome hello: the extension order changes JA4_o but not JA4.
    func testJA4OfPermutedChromeHello() {
        let fingerprint = TLSFingerprint(hello(
            ciphers: chromeCiphers,
            extensions: "002d,0033,0010,fe0d,0017,44cd,0000,000b,000a,002b,ff01,0023,0012,0005,000d,001b",
            signatures: chromeSignatures, alpn: ["h2", "http/1.1"]))
        XCTAssertEqual(fingerprint.ja4, "t13d1516h2_8daaf6152771_d8a2da3f94cd")
        XCTAssertEqual(fingerprint.ja4O, "t13d1516h2_acb858a92679_f96a17c57971")
    }

    func testJA4EdgeCases() {
        var plain = hello(ciphers: "0a0a,1301", extensions: "1a1a,000a", signatures: "", alpn: [])
        plain.supportedVersions = [0x2a2a]
        let fingerprint = TLSFingerprint(plain)
        // No SNI, no ALPN, no signatures; GREASE neither counted nor hashed; version from the legacy field.
        XCTAssertEqual(fingerprint.ja4R, "t12i010100_1301_000a")
        XCTAssertEqual(fingerprint.ja4.prefix(11), "t12i010100_")
        plain.extensions = []
        plain.alpn = [[0x30, 0xAB, 0xCD, 0x31]]
        XCTAssertEqual(TLSFingerprint(plain).ja4, "t12i010001_\(TLSFingerprint(plain).ja4.split(separator: "_")[1])_000000000000")
        plain.alpn = [[0x61, 0x20]]
        XCTAssertEqual(TLSFingerprint(plain).ja4.prefix(10), "t12i010060")
        plain.cipherSuites = []
        XCTAssertEqual(TLSFingerprint(plain).ja4, "t12i000060_000000000000_000000000000")
    }

    func testDigests() {
        XCTAssertEqual(hexString(SHA256.hash([])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hexString(SHA256.hash(Array("abc".utf8))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hexString(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(hexString(MD5.hash([])), "d41d8cd98f00b204e9800998ecf8427e")
        XCTAssertEqual(hexString(MD5.hash(Array("abc".utf8))), "900150983cd24fb0d6963f7d28e17f72")
        XCTAssertEqual(hexString(MD5.hash(Array(String(repeating: "1234567890", count: 8).utf8))), "57edf4a22be3c955ac49da2e2107b67a")
    }

    /// Every reference client: the parsed fields and every fingerprint equal what fpcapture.py recorded.
    func testReferenceClientHellos() throws {
        let fixtures = try FingerprintFixture.all()
        XCTAssertEqual(fixtures.count, 16)
        for fixture in fixtures {
            let message = bytes(hex: fixture.tls.raw)
            let wire = tlsRecords(message, version: fixture.tls.record_version)
            guard let fingerprint = TLSFingerprint(clientHello: wire) else {
                XCTFail("\(fixture.label): no fingerprint")
                continue
            }
            let hello = fingerprint.hello
            XCTAssertEqual(hello.recordVersion, fixture.tls.record_version, fixture.label)
            XCTAssertEqual(hello.legacyVersion, fixture.tls.legacy_version, fixture.label)
            XCTAssertEqual(hello.cipherSuites, fixture.tls.ciphers, fixture.label)
            XCTAssertEqual(hello.extensions.map(\.type), fixture.tls.extensions, fixture.label)
            XCTAssertEqual(hello.serverName, fixture.tls.sni, fixture.label)
            XCTAssertEqual(hello.alpn.map { String(decoding: $0, as: UTF8.self) }, fixture.tls.alpn ?? [], fixture.label)
            XCTAssertEqual(hello.supportedVersions, fixture.tls.supported_versions ?? [], fixture.label)
            XCTAssertEqual(hello.signatureAlgorithms, fixture.tls.signature_algorithms ?? [], fixture.label)
            XCTAssertEqual(hello.supportedGroups, fixture.tls.supported_groups ?? [], fixture.label)
            XCTAssertEqual(hello.ecPointFormats, fixture.tls.ec_point_formats ?? [], fixture.label)
            XCTAssertEqual(hello.malformedExtensions, [], fixture.label)
            XCTAssertEqual(fingerprint.ja4, fixture.ja4, fixture.label)
            XCTAssertEqual(fingerprint.ja4R, fixture.ja4_r, fixture.label)
            XCTAssertEqual(fingerprint.ja4O, fixture.ja4_o, fixture.label)
            XCTAssertEqual(fingerprint.ja4RO, fixture.ja4_ro, fixture.label)
            XCTAssertEqual(fingerprint.ja3, fixture.ja3, fixture.label)
            XCTAssertEqual(fingerprint.ja3MD5, fixture.ja3_md5, fixture.label)
            XCTAssertEqual(fingerprint.ja3n, fixture.ja3n, fixture.label)
            XCTAssertEqual(fingerprint.ja3nMD5, fixture.ja3n_md5, fixture.label)
            // The same hello bare, and split over small records, parses to the same value.
            XCTAssertEqual(TLSFingerprint(clientHello: message)?.hello.extensions, hello.extensions, fixture.label)
            XCTAssertEqual(TLSFingerprint(clientHello: tlsRecords(message, version: 0x0301, fragment: 100))?.ja4R,
                           fixture.ja4_r, fixture.label)
        }
    }

    /// A capture listener feeds bytes as they arrive: every proper prefix must ask for more.
    func testPrefixesAreIncomplete() throws {
        let fixture = try FingerprintFixture.load("chromium_headless.json")
        let wire = tlsRecords(bytes(hex: fixture.tls.raw), version: 0x0301, fragment: 700)
        for length in 0..<wire.count {
            XCTAssertEqual(ClientHello.parse(Array(wire.prefix(length))), .incomplete, "prefix \(length)")
        }
        guard case .complete = ClientHello.parse(wire + [23, 3, 3]) else { return XCTFail("trailing bytes refused") }
    }

    func testInvalidInputs() {
        let cases: [([UInt8], String)] = [
            (Array("GET / HTTP/1.1\r\n".utf8), "plaintext HTTP"),
            ([22, 3, 1, 0, 0], "empty record"),
            ([22, 3, 1, 0x48, 0x01], "oversized record"),
            ([22, 3, 1, 0, 4, 2, 0, 0, 0], "ServerHello"),
            ([21, 3, 1, 0, 2, 2, 40], "alert"),
            ([22, 3, 1, 0, 4, 1, 0, 0, 0], "empty hello body"),
            ([1, 0x01, 0x00, 0x00], "message over the limit"),
        ]
        for (input, label) in cases {
            guard case .invalid = ClientHello.parse(input) else { return XCTFail(label) }
        }
    }

    func testMalformedExtensionBodyStillFingerprints() throws {
        let fixture = try FingerprintFixture.load("python_urllib.json")
        guard case .complete(let original) = ClientHello.parse(bytes(hex: fixture.tls.raw)),
              let signatures = original.extensions.first(where: { $0.type == 13 }) else { return XCTFail("no hello") }
        // One byte short: the list length no longer matches the body.
        let broken = rebuilt(original, replacing: 13, with: Array(signatures.data.dropLast()))
        guard let hello = ClientHello(message: broken, recordVersion: nil) else { return XCTFail("hello refused") }
        XCTAssertEqual(hello.malformedExtensions, [13])
        XCTAssertEqual(hello.signatureAlgorithms, [])
        XCTAssertEqual(TLSFingerprint(hello).ja4.prefix(10), fixture.ja4.prefix(10))
        XCTAssertNotEqual(TLSFingerprint(hello).ja4, fixture.ja4)
    }

    /// Re-encodes a hello with one extension body replaced (random and session id zeroed).
    private func rebuilt(_ hello: ClientHello, replacing type: UInt16, with data: [UInt8]) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        var extensions: [UInt8] = []
        for ext in hello.extensions {
            let body = ext.type == type ? data : ext.data
            extensions += u16(Int(ext.type)) + u16(body.count) + body
        }
        var body = u16(Int(hello.legacyVersion)) + [UInt8](repeating: 0, count: 33)
        body += u16(hello.cipherSuites.count * 2) + hello.cipherSuites.flatMap { u16(Int($0)) }
        body += [UInt8(hello.compressionMethods.count)] + hello.compressionMethods
        body += u16(extensions.count) + extensions
        return [1, 0] + u16(body.count) + body
    }
}

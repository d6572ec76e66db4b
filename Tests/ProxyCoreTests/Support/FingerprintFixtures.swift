import Foundation
import XCTest

/// One reference capture in Fixtures/Fingerprints, trimmed to what the Swift fingerprint code derives
/// (Fixtures/Fingerprints/README.md says how they were made).
struct FingerprintFixture: Decodable {
    struct TLS: Decodable {
        var record_version: UInt16
        var legacy_version: UInt16
        var ciphers: [UInt16]
        var extensions: [UInt16]
        var sni: String?
        var alpn: [String]?
        var supported_versions: [UInt16]?
        var signature_algorithms: [UInt16]?
        var supported_groups: [UInt16]?
        var ec_point_formats: [UInt8]?
        /// The handshake message in hex, without a record header.
        var raw: String
    }

    struct HTTP2: Decodable {
        struct Frame: Decodable {
            var type: String
            var flags: UInt8
            var stream: UInt32
        }

        struct Priority: Decodable {
            var exclusive: UInt32
            var depends_on: UInt32
            var weight: Int
        }

        struct HeadersFrame: Decodable {
            var stream_id: UInt32
            var flags: UInt8
            var priority: Priority?
        }

        var settings: [[UInt32]]
        var window_updates: [[UInt32]]
        /// stream, exclusive, depends on, weight (1...256)
        var priority_frames: [[UInt32]]
        var frames: [Frame]
        var headers_frame: HeadersFrame
        var pseudo_header_order: [String]
        var header_order: [String]
        var headers: [[String]]
        var hpack: [String]
    }

    var label: String
    var ja3, ja3_md5, ja3n, ja3n_md5, ja4, ja4_r, ja4_o, ja4_ro: String
    var akamai: String?
    var tls: TLS
    var http2: HTTP2?

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/Fingerprints")

    static func all() throws -> [FingerprintFixture] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { try load($0) }
    }

    static func load(_ name: String) throws -> FingerprintFixture {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try JSONDecoder().decode(FingerprintFixture.self, from: data)
    }
}

func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count - 1, by: 2).compactMap { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16) }
}

/// Wraps a handshake message in TLS records of at most `fragment` bytes each.
func tlsRecords(_ message: [UInt8], version: UInt16, fragment: Int = 16384) -> [UInt8] {
    var out: [UInt8] = []
    for start in stride(from: 0, to: message.count, by: fragment) {
        let piece = message[start..<min(start + fragment, message.count)]
        out += [22, UInt8(version >> 8), UInt8(version & 0xFF), UInt8(piece.count >> 8), UInt8(piece.count & 0xFF)]
        out += piece
    }
    return out
}

/// JA4 and its raw / original-order variants, per FoxIO's technical_details/JA4.md.
struct JA4 {
    /// ja4: sorted, hashed; raw: sorted, readable; original / rawOriginal: wire order with SNI and ALPN kept.
    var hashed, raw, original, rawOriginal: String

    init(_ hello: ClientHello, transport: Character = "t") {
        let ciphers = hello.cipherSuites.filter { !isGREASE($0) }
        let extensions = hello.extensions.map(\.type).filter { !isGREASE($0) }
        let signatures = hello.signatureAlgorithms.filter { !isGREASE($0) }
        let prefix = String(transport) + Self.version(hello) + (extensions.contains(0) ? "d" : "i")
            + Self.twoDigits(ciphers.count) + Self.twoDigits(extensions.count) + Self.alpn(hello.alpn.first)
        let signatureText = Self.hexList(signatures)

        func parts(_ cipherList: [UInt16], _ extensionList: [UInt16]) -> (hashed: String, raw: String) {
            let cipherText = Self.hexList(cipherList)
            let extensionText = Self.hexList(extensionList) + (signatures.isEmpty ? "" : "_" + signatureText)
            let cipherHash = cipherList.isEmpty ? Self.emptyHash : Self.hash12(cipherText)
            let extensionHash = extensionList.isEmpty ? Self.emptyHash : Self.hash12(extensionText)
            return (prefix + "_" + cipherHash + "_" + extensionHash, prefix + "_" + cipherText + "_" + extensionText)
        }
        // SNI and ALPN already show in the prefix, so the sorted form leaves them out of the hash.
        let sorted = parts(ciphers.sorted(), extensions.filter { $0 != 0 && $0 != 16 }.sorted())
        let wireOrder = parts(ciphers, extensions)
        hashed = sorted.hashed
        raw = sorted.raw
        original = wireOrder.hashed
        rawOriginal = wireOrder.raw
    }

    private static let emptyHash = "000000000000"

    private static func version(_ hello: ClientHello) -> String {
        let offered = hello.supportedVersions.filter { !isGREASE($0) }
        switch offered.max() ?? hello.legacyVersion {
        case 0x0304: return "13"
        case 0x0303: return "12"
        case 0x0302: return "11"
        case 0x0301: return "10"
        case 0x0300: return "s3"
        case 0x0002: return "s2"
        case 0xFEFF: return "d1"
        case 0xFEFD: return "d2"
        case 0xFEFC: return "d3"
        default: return "00"
        }
    }

    private static func twoDigits(_ count: Int) -> String {
        let capped = min(count, 99)
        return capped < 10 ? "0\(capped)" : "\(capped)"
    }

    /// First and last character of the first ALPN value, or of its hex form when either byte is not
    /// alphanumeric (so the fingerprint stays printable); "00" without ALPN.
    private static func alpn(_ first: [UInt8]?) -> String {
        guard let value = first, let head = value.first, let tail = value.last else { return "00" }
        func alphanumeric(_ b: UInt8) -> Bool {
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
        }
        if alphanumeric(head), alphanumeric(tail) { return String(decoding: [head, tail], as: UTF8.self) }
        let hex = Array(hexString(value).utf8)
        return String(decoding: [hex[0], hex[hex.count - 1]], as: UTF8.self)
    }

    private static func hexList(_ values: [UInt16]) -> String {
        values.map { hexString([UInt8(truncatingIfNeeded: $0 >> 8), UInt8(truncatingIfNeeded: $0)]) }.joined(separator: ",")
    }

    private static func hash12(_ text: String) -> String {
        String(hexString(SHA256.hash(Array(text.utf8))).prefix(12))
    }
}

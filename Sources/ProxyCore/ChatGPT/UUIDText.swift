/// UUIDs as the web app writes them (RFC 9562, lowercase, hyphenated): version 5 for the device id
/// an account keeps, version 4 for sessions and turn traces.
enum UUIDText {
    /// The namespace of device ids: UUIDv5 of the DNS namespace and "chatgpt.com" (RFC 9562 appendix A),
    /// so the value can be recomputed and is fixed across proxyd versions.
    static let deviceNamespace: [UInt8] = {
        let dns: [UInt8] = [0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8]
        return version5Bytes(namespace: dns, name: "chatgpt.com")
    }()

    /// Random once per proxyd process: the namespace of session ids, the same on every worker.
    static let runNamespace = randomBytes(16)

    static func version5(namespace: [UInt8], name: String) -> String {
        format(version5Bytes(namespace: namespace, name: name))
    }

    static func version4() -> String {
        var bytes = randomBytes(16)
        stamp(&bytes, version: 4)
        return format(bytes)
    }

    private static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    private static func version5Bytes(namespace: [UInt8], name: String) -> [UInt8] {
        var bytes = Array(SHA1.hash(namespace + Array(name.utf8)).prefix(16))
        stamp(&bytes, version: 5)
        return bytes
    }

    /// The version in the high nibble of byte 6, the variant (10xx) in byte 8.
    private static func stamp(_ bytes: inout [UInt8], version: UInt8) {
        bytes[6] = bytes[6] & 0x0F | version << 4
        bytes[8] = bytes[8] & 0x3F | 0x80
    }

    private static func format(_ bytes: [UInt8]) -> String {
        let hex = hexString(bytes)
        var out = ""
        for (index, character) in hex.enumerated() {
            if index == 8 || index == 12 || index == 16 || index == 20 { out.append("-") }
            out.append(character)
        }
        return out
    }
}

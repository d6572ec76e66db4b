import CTLSShim

/// SHA-256 for JA4's hashed parts.
enum SHA256 {
    static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBytes { tlsshim_sha256($0.baseAddress, $0.count, &digest) }
        return digest
    }
}

/// MD5, only because JA3 and the Akamai fingerprint are conventionally quoted as MD5 digests.
enum MD5 {
    static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 16)
        bytes.withUnsafeBytes { tlsshim_md5($0.baseAddress, $0.count, &digest) }
        return digest
    }
}

/// SHA-1, only because UUIDv5 is defined over it (`UUIDText.version5`).
enum SHA1 {
    static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 20)
        bytes.withUnsafeBytes { tlsshim_sha1($0.baseAddress, $0.count, &digest) }
        return digest
    }
}

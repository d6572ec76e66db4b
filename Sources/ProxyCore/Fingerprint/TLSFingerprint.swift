/// Every ClientHello-derived fingerprint of one connection, in the forms the reference captures record
/// (Tests/ProxyCoreTests/Fixtures/Fingerprints), so values compare as plain strings.
package struct TLSFingerprint: Equatable, Sendable {
    package var hello: ClientHello
    package var ja4: String
    package var ja4R: String
    package var ja4O: String
    package var ja4RO: String
    package var ja3: String
    package var ja3MD5: String
    package var ja3n: String
    package var ja3nMD5: String

    package init(_ hello: ClientHello) {
        self.hello = hello
        let ja4 = JA4(hello)
        self.ja4 = ja4.hashed
        ja4R = ja4.raw
        ja4O = ja4.original
        ja4RO = ja4.rawOriginal
        ja3 = JA3.string(hello, sortExtensions: false)
        ja3MD5 = hexString(MD5.hash(Array(ja3.utf8)))
        ja3n = JA3.string(hello, sortExtensions: true)
        ja3nMD5 = hexString(MD5.hash(Array(ja3n.utf8)))
    }

    /// Fingerprints the first bytes of a TLS connection; nil until they hold a whole, well-formed ClientHello.
    package init?(clientHello bytes: [UInt8]) {
        guard case .complete(let hello) = ClientHello.parse(bytes) else { return nil }
        self.init(hello)
    }
}

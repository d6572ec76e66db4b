/// The parts of a TLS ClientHello that fingerprints and operators look at. Code point lists keep wire
/// order and GREASE values; the fingerprint functions decide what to drop.
package struct ClientHello: Equatable, Sendable {
    package struct Extension: Equatable, Sendable {
        package var type: UInt16
        package var data: [UInt8]
    }

    /// The version in the first record header; nil when parsed from a bare handshake message.
    package var recordVersion: UInt16?
    package var legacyVersion: UInt16
    package var sessionIDLength: Int
    package var cipherSuites: [UInt16]
    package var compressionMethods: [UInt8]
    package var extensions: [Extension]
    /// The first host_name entry of server_name.
    package var serverName: String?
    /// ALPN protocol names as raw bytes: JA4 looks at their first and last byte, which need not be text.
    package var alpn: [[UInt8]]
    package var supportedVersions: [UInt16]
    package var signatureAlgorithms: [UInt16]
    package var supportedGroups: [UInt16]
    package var ecPointFormats: [UInt8]
    /// Extension types whose body did not parse: the hello still fingerprints, as a server would see it.
    package var malformedExtensions: [UInt16]

    package enum ParseResult: Equatable, Sendable {
        case complete(ClientHello)
        /// A prefix of a possible ClientHello: wait for more bytes.
        case incomplete
        case invalid(String)
    }

    /// Parses the first bytes a TLS client sends: TLS records (reassembled) or a bare handshake message.
    package static func parse(_ bytes: [UInt8]) -> ParseResult {
        switch ClientHelloRecords.extract(bytes) {
        case .incomplete: return .incomplete
        case .invalid(let reason): return .invalid(reason)
        case .complete(let message, let recordVersion):
            guard let hello = ClientHello(message: message, recordVersion: recordVersion) else {
                return .invalid("malformed ClientHello body")
            }
            return .complete(hello)
        }
    }
}

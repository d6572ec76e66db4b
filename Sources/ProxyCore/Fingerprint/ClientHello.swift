/// The parts of a TLS ClientHello that fingerprints and operators look at. Code point lists keep wire
/// order and GREASE values; the fingerprint functions decide what to drop.
public struct ClientHello: Equatable, Sendable {
    public struct Extension: Equatable, Sendable {
        public var type: UInt16
        public var data: [UInt8]
    }

    /// The version in the first record header; nil when parsed from a bare handshake message.
    public var recordVersion: UInt16?
    public var legacyVersion: UInt16
    public var sessionIDLength: Int
    public var cipherSuites: [UInt16]
    public var compressionMethods: [UInt8]
    public var extensions: [Extension]
    /// The first host_name entry of server_name.
    public var serverName: String?
    /// ALPN protocol names as raw bytes: JA4 looks at their first and last byte, which need not be text.
    public var alpn: [[UInt8]]
    public var supportedVersions: [UInt16]
    public var signatureAlgorithms: [UInt16]
    public var supportedGroups: [UInt16]
    public var ecPointFormats: [UInt8]
    /// Extension types whose body did not parse: the hello still fingerprints, as a server would see it.
    public var malformedExtensions: [UInt16]

    public enum ParseResult: Equatable, Sendable {
        case complete(ClientHello)
        /// A prefix of a possible ClientHello: wait for more bytes.
        case incomplete
        case invalid(String)
    }

    /// Parses the first bytes a TLS client sends: TLS records (reassembled) or a bare handshake message.
    public static func parse(_ bytes: [UInt8]) -> ParseResult {
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

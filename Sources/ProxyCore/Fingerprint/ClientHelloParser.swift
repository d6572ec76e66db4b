/// Decoding of the ClientHello body (RFC 8446 section 4.1.2) and of the extensions fingerprints summarise.
extension ClientHello {
    /// `message` is the whole handshake message, header included.
    init?(message: [UInt8], recordVersion: UInt16?) {
        var outer = WireReader(message)
        guard outer.u8() == 1, let bodyBytes = outer.vector(lengthBytes: 3) else { return nil }
        var body = WireReader(bodyBytes)
        guard let version = body.u16(), body.take(32) != nil,
              let sessionID = body.vector(lengthBytes: 1),
              let ciphers = body.u16List(lengthBytes: 2),
              let compression = body.vector(lengthBytes: 1) else { return nil }
        self.recordVersion = recordVersion
        legacyVersion = version
        sessionIDLength = sessionID.count
        cipherSuites = ciphers
        compressionMethods = Array(compression)
        extensions = []
        alpn = []
        supportedVersions = []
        signatureAlgorithms = []
        supportedGroups = []
        ecPointFormats = []
        malformedExtensions = []
        // A hello without an extensions block is legal (TLS 1.0 era clients).
        guard !body.isAtEnd else { return }
        guard let block = body.vector(lengthBytes: 2) else { return nil }
        var reader = WireReader(block)
        while !reader.isAtEnd {
            guard let type = reader.u16(), let data = reader.vector(lengthBytes: 2) else { return nil }
            extensions.append(Extension(type: type, data: Array(data)))
            if !decode(extension: type, data) { malformedExtensions.append(type) }
        }
    }

    /// Fills the summary field an extension carries; false when its body is malformed.
    private mutating func decode(extension type: UInt16, _ data: ArraySlice<UInt8>) -> Bool {
        var reader = WireReader(data)
        switch type {
        case 0:
            guard let list = reader.vector(lengthBytes: 2) else { return false }
            var names = WireReader(list)
            serverName = nil
            while !names.isAtEnd {
                guard let nameType = names.u8(), let name = names.vector(lengthBytes: 2) else { return false }
                if nameType == 0, serverName == nil { serverName = String(decoding: name, as: UTF8.self) }
            }
        case 10:
            guard let groups = reader.u16List(lengthBytes: 2) else { return false }
            supportedGroups = groups
        case 11:
            guard let formats = reader.vector(lengthBytes: 1) else { return false }
            ecPointFormats = Array(formats)
        case 13:
            guard let algorithms = reader.u16List(lengthBytes: 2) else { return false }
            signatureAlgorithms = algorithms
        case 16:
            guard let list = reader.vector(lengthBytes: 2) else { return false }
            var protocols = WireReader(list)
            var names: [[UInt8]] = []
            while !protocols.isAtEnd {
                guard let name = protocols.vector(lengthBytes: 1) else { return false }
                names.append(Array(name))
            }
            alpn = names
        case 43:
            guard let versions = reader.u16List(lengthBytes: 1) else { return false }
            supportedVersions = versions
        default:
            return true
        }
        return true
    }
}

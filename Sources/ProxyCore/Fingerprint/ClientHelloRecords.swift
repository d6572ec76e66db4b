/// Finds the ClientHello handshake message in the first bytes of a TLS connection: either TLS records
/// (content type 22, possibly several, since a post-quantum hello can outgrow one record) or the bare
/// handshake message.
enum ClientHelloRecords {
    enum Result: Equatable, Sendable {
        /// The handshake message (4-byte header included) and the first record's version, nil for bare input.
        case complete(message: [UInt8], recordVersion: UInt16?)
        case incomplete
        case invalid(String)
    }

    /// Larger than any real hello (Chrome's with ML-KEM key shares is under 2 KiB) yet bounded, so a
    /// peer cannot make a capture listener buffer without end.
    static let maxMessageLength = 64 * 1024
    /// TLSPlaintext may carry 2^14 bytes; the extra 2 KiB matches what the reference capture tool accepts.
    static let maxRecordLength = 16384 + 2048

    static func extract(_ bytes: [UInt8]) -> Result {
        guard let first = bytes.first else { return .incomplete }
        if first == 1 { return whole(bytes[...], recordVersion: nil) ?? .incomplete }
        guard first == 22 else { return .invalid("first byte \(first) is neither a handshake record nor a ClientHello") }
        var reader = WireReader(bytes)
        var message: [UInt8] = []
        var recordVersion: UInt16?
        while true {
            guard let type = reader.u8(), let version = reader.u16(), let length = reader.u16() else { return .incomplete }
            guard type == 22 else { return .invalid("record type \(type) inside the ClientHello") }
            guard length > 0, Int(length) <= maxRecordLength else { return .invalid("TLS record length \(length)") }
            if recordVersion == nil { recordVersion = version }
            guard let fragment = reader.take(Int(length)) else { return .incomplete }
            message += fragment
            if let result = whole(message[...], recordVersion: recordVersion) { return result }
        }
    }

    /// The answer once `bytes` hold the whole handshake message or prove it bad; nil while more is needed.
    private static func whole(_ bytes: ArraySlice<UInt8>, recordVersion: UInt16?) -> Result? {
        var reader = WireReader(bytes)
        guard let type = reader.u8(), let length = reader.u24() else { return nil }
        guard type == 1 else { return .invalid("handshake type \(type), expected ClientHello") }
        let need = 4 + length
        guard need <= maxMessageLength else { return .invalid("ClientHello of \(need) bytes") }
        guard bytes.count >= need else { return nil }
        return .complete(message: Array(bytes.prefix(need)), recordVersion: recordVersion)
    }
}

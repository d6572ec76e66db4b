/// The Akamai HTTP/2 fingerprint (Shuster, Black Hat EU 2017) of a client's preface:
/// `SETTINGS|WINDOW_UPDATE|PRIORITY|pseudo-header order`, formatted as the reference capture tool
/// writes it, e.g. `1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p`.
package struct HTTP2Fingerprint: Equatable, Sendable {
    package var preface: HTTP2Preface
    package var akamai: String
    package var akamaiMD5: String

    package init(_ preface: HTTP2Preface) {
        self.preface = preface
        let settings = preface.settings.map { "\($0.id):\($0.value)" }.joined(separator: ";")
        // "00" marks an absent WINDOW_UPDATE, "0" absent PRIORITY frames: the format's own conventions.
        let window = preface.windowUpdate.map(String.init) ?? "00"
        let priorities = preface.priorityFrames.map {
            "\($0.streamID):\($0.priority.exclusive ? 1 : 0):\($0.priority.dependsOn):\($0.priority.weight)"
        }
        let pseudo = preface.pseudoHeaderOrder.map { String($0.dropFirst().prefix(1)) }
        akamai = [settings, window, priorities.isEmpty ? "0" : priorities.joined(separator: ","), pseudo.joined(separator: ",")]
            .joined(separator: "|")
        akamaiMD5 = hexString(MD5.hash(Array(akamai.utf8)))
    }

    /// Fingerprints the bytes a client sent after the TLS handshake; nil until they hold the preface
    /// through the first complete HEADERS block, or when they cannot be one.
    package init?(preface bytes: [UInt8]) {
        guard case .complete(let preface) = HTTP2Preface.parse(bytes) else { return nil }
        self.init(preface)
    }

    package var pseudoHeaderOrder: [String] { preface.pseudoHeaderOrder }
    package var headerOrder: [String] { preface.headerOrder }
}

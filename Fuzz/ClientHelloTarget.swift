// The ClientHello parser (ClientHello.parse, as behind `proxyd fingerprint`): TLS records or a bare handshake
// message, then the fingerprints computed from what it found.

func fuzzTarget(_ data: UnsafeRawBufferPointer) {
    let input = Array(data)
    var random = SeededGenerator(hashing: data)
    let whole = ClientHello.parse(input)
    // A prefix waits for more or already has the whole input's answer.
    for end in random.arrivals(count: input.count, pieces: 6) {
        let prefix = ClientHello.parse(Array(input[..<end]))
        invariant(prefix == .incomplete || prefix == whole, "prefix of \(end) bytes: \(prefix), whole: \(whole)")
    }
    guard case .complete(let hello) = whole else { return }
    // Bytes after a complete hello belong to the connection's next records.
    invariant(ClientHello.parse(input + [22, 3, 1, 0, 1, 1]) == whole, "bytes after the hello changed it")
    checkFields(hello)
    checkFingerprints(TLSFingerprint(hello))
    // Written again as a bare handshake message (random and session ID zeroed), it reads the same.
    var again = hello
    again.recordVersion = nil
    invariant(ClientHello.parse(handshakeMessage(hello)) == .complete(again), "written again differs")
}

/// The summary fields come from extensions that are present, and only malformed ones are listed as such.
private func checkFields(_ hello: ClientHello) {
    let types = Set(hello.extensions.map(\.type))
    invariant(Set(hello.malformedExtensions).isSubset(of: types), "malformed \(hello.malformedExtensions)")
    let summaries: [(UInt16, Bool)] = [
        (0, hello.serverName != nil), (10, !hello.supportedGroups.isEmpty), (11, !hello.ecPointFormats.isEmpty),
        (13, !hello.signatureAlgorithms.isEmpty), (16, !hello.alpn.isEmpty), (43, !hello.supportedVersions.isEmpty),
    ]
    for (type, filled) in summaries where filled {
        invariant(types.contains(type), "a summary of extension \(type), which is absent")
    }
}

private func checkFingerprints(_ fingerprint: TLSFingerprint) {
    for ja4 in [fingerprint.ja4, fingerprint.ja4O] {
        let parts = ja4.split(separator: "_", omittingEmptySubsequences: false)
        invariant(parts.count == 3 && parts[0].utf8.count == 10 && parts[1].utf8.count == 12 && parts[2].utf8.count == 12,
                  "ja4 \(ja4)")
        invariant(parts[0].utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "ja4 prefix \(parts[0]) is not printable")
    }
    for raw in [fingerprint.ja4R, fingerprint.ja4RO] {
        invariant(raw.hasPrefix(fingerprint.ja4.prefix(10)), "ja4_r \(raw) and ja4 \(fingerprint.ja4) differ in their prefix")
    }
    for ja3 in [fingerprint.ja3, fingerprint.ja3n] {
        invariant(ja3.split(separator: ",", omittingEmptySubsequences: false).count == 5, "ja3 \(ja3)")
    }
    invariant(fingerprint.ja3MD5.utf8.count == 32 && fingerprint.ja3nMD5.utf8.count == 32, "md5 length")
}

/// The handshake message of `hello`: type 1, a 24-bit length, then the body RFC 8446 section 4.1.2 lays out.
private func handshakeMessage(_ hello: ClientHello) -> [UInt8] {
    func u16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    var body = u16(Int(hello.legacyVersion)) + [UInt8](repeating: 0, count: 32)
    body += [UInt8(hello.sessionIDLength)] + [UInt8](repeating: 0, count: hello.sessionIDLength)
    body += u16(hello.cipherSuites.count * 2) + hello.cipherSuites.flatMap { u16(Int($0)) }
    body += [UInt8(hello.compressionMethods.count)] + hello.compressionMethods
    if !hello.extensions.isEmpty {
        let block = hello.extensions.flatMap { u16(Int($0.type)) + u16($0.data.count) + $0.data }
        body += u16(block.count) + block
    }
    return [1, UInt8(body.count >> 16), UInt8(body.count >> 8 & 0xFF), UInt8(body.count & 0xFF)] + body
}

import CBrotliEncoder
import CNIOBoringSSL
import Dispatch
import Foundation
import Glibc

/// A BoringSSL server that takes up what the browser profiles offer beyond what OpenSSL servers do, as
/// Google's servers do: ALPS for h2 (new code point unless told otherwise) and certificate compression
/// (brotli unless told otherwise). It serves `connections` connections, one after another, on a background
/// thread: reads one chunk from each, answers `reply`, closes. It resumes sessions from its tickets only
/// (two per TLS 1.3 handshake).
final class BoringSSLServer {
    /// What the server saw of one connection.
    struct Outcome {
        var handshakeError: String?
        var alpn: String?
        var peerApplicationSettings: [UInt8]?
        var request: [UInt8] = []
        /// The ClientHello handshake message, header included.
        var clientHello: [UInt8] = []
        var sessionReused = false
    }

    let port: UInt16
    private let listener: Int32
    private let context: OpaquePointer
    private let done = DispatchSemaphore(value: 0)
    private var outcomes: [Outcome] = []
    fileprivate var clientHello: [UInt8] = []

    /// Certificates compressed so far, in this process: the callback has no context to count into.
    fileprivate(set) static var compressedCertificates = 0

    /// RFC 8879 certificate compression algorithms the server can use.
    enum Compression: UInt16, CaseIterable {
        case zlib = 1, brotli = 2, zstd = 3
    }

    init(certificates: TestCertificates, reply: [UInt8], compression: Compression = .brotli,
         alpsNewCodepoint: Bool = true, connections: Int = 1, maxVersion: UInt16 = UInt16(TLS1_3_VERSION)) throws {
        guard let context = SSL_CTX_new(TLS_method()) else { throw FixtureError("SSL_CTX_new failed") }
        self.context = context
        SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF)
        SSL_CTX_set_select_certificate_cb(context, recordClientHello)
        let compress: ssl_cert_compression_func_t = switch compression {
        case .zlib: compressWithZlib
        case .brotli: compressWithBrotli
        case .zstd: compressWithZstd
        }
        guard SSL_CTX_set_max_proto_version(context, maxVersion) == 1,
              SSL_CTX_use_certificate_chain_file(context, certificates.certFile) == 1,
              SSL_CTX_use_PrivateKey_file(context, certificates.keyFile, SSL_FILETYPE_PEM) == 1,
              SSL_CTX_add_cert_compression_alg(context, compression.rawValue, compress, nil) == 1 else {
            SSL_CTX_free(context)
            throw FixtureError("cannot configure the BoringSSL server")
        }
        SSL_CTX_set_alpn_select_cb(context, selectH2, nil)

        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopbackAddress(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard fd >= 0, listening else {
            close(fd)
            SSL_CTX_free(context)
            throw FixtureError("cannot listen on loopback")
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in
            for _ in 0..<connections { serveOne(reply: reply, alpsNewCodepoint: alpsNewCodepoint) }
            done.signal()
        }
    }

    deinit {
        close(listener)
        SSL_CTX_free(context)
    }

    /// Waits for the first connection to end; nil if it did not within 10 s.
    func result() -> Outcome? {
        results()?.first
    }

    /// Waits for every connection to end; nil if they did not within 10 s.
    func results() -> [Outcome]? {
        done.wait(timeout: .now() + 10) == .success ? outcomes : nil
    }

    /// New ticket keys: every session issued so far fails to decrypt, so offering one gets a full handshake.
    func rejectSavedSessions() throws {
        // BoringSSL's key material: a 16-byte name, then HMAC and AES keys of 16 bytes each.
        let keys = (0..<48).map { _ in UInt8.random(in: 0...255) }
        guard SSL_CTX_set_tlsext_ticket_keys(context, keys, keys.count) == 1 else {
            throw FixtureError("cannot set new ticket keys")
        }
    }

    private func serveOne(reply: [UInt8], alpsNewCodepoint: Bool) {
        var outcome = Outcome()
        defer { outcomes.append(outcome) }
        let fd = accept(listener, nil, nil)
        guard fd >= 0, let ssl = SSL_new(context) else {
            outcome.handshakeError = "accept failed"
            return
        }
        SSL_set_ex_data(ssl, 0, Unmanaged.passUnretained(self).toOpaque())
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        defer {
            SSL_free(ssl)
            close(fd)
        }
        SSL_set_fd(ssl, fd)
        // The value is the server's own HTTP/2 SETTINGS payload; any bytes do for the test.
        let settings: [UInt8] = [0x00, 0x03, 0x00, 0x00, 0x00, 0x64]
        SSL_add_application_settings(ssl, "h2", 2, settings, settings.count)
        SSL_set_alps_use_new_codepoint(ssl, alpsNewCodepoint ? 1 : 0)
        let accepted = SSL_accept(ssl) == 1
        outcome.clientHello = clientHello
        guard accepted else {
            outcome.handshakeError = String(cString: ERR_reason_error_string(ERR_get_error()))
            return
        }
        outcome.sessionReused = SSL_session_reused(ssl) == 1
        var proto: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &proto, &length)
        if let proto { outcome.alpn = String(decoding: UnsafeBufferPointer(start: proto, count: Int(length)), as: UTF8.self) }
        if SSL_has_application_settings(ssl) == 1 {
            var data: UnsafePointer<UInt8>?
            var count = 0
            SSL_get0_peer_application_settings(ssl, &data, &count)
            outcome.peerApplicationSettings = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let read = SSL_read(ssl, &buffer, Int32(buffer.count))
        if read > 0 { outcome.request = Array(buffer[0..<Int(read)]) }
        _ = SSL_write(ssl, reply, Int32(reply.count))
        SSL_shutdown(ssl)
    }
}

/// Keeps the ClientHello, as a handshake message the Fingerprint parser reads, for the connection's outcome.
private func recordClientHello(_ hello: UnsafePointer<SSL_CLIENT_HELLO>?) -> ssl_select_cert_result_t {
    guard let hello, let bytes = hello.pointee.client_hello, let server = SSL_get_ex_data(hello.pointee.ssl, 0) else {
        return ssl_select_cert_error
    }
    let length = hello.pointee.client_hello_len
    let header: [UInt8] = [1, UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8),
                           UInt8(truncatingIfNeeded: length)]
    Unmanaged<BoringSSLServer>.fromOpaque(server).takeUnretainedValue().clientHello =
        header + Array(UnsafeBufferPointer(start: bytes, count: length))
    return ssl_select_cert_success
}

private func compressWithBrotli(_ ssl: OpaquePointer?, _ out: UnsafeMutablePointer<CBB>?, _ input: UnsafePointer<UInt8>?,
                                _ inputLength: Int) -> Int32 {
    var size = BrotliEncoderMaxCompressedSize(inputLength)
    var compressed = [UInt8](repeating: 0, count: size)
    guard BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, inputLength, input,
                                &size, &compressed) == BROTLI_TRUE else { return 0 }
    return deliver(Array(compressed.prefix(size)), to: out)
}

private func deliver(_ compressed: [UInt8], to out: UnsafeMutablePointer<CBB>?) -> Int32 {
    guard CBB_add_bytes(out, compressed, compressed.count) == 1 else { return 0 }
    BoringSSLServer.compressedCertificates += 1
    return 1
}

/// zlib without a zlib encoder in the test target: stored (uncompressed) deflate blocks are a valid
/// stream, and the client's decoder runs all the same.
private func compressWithZlib(_ ssl: OpaquePointer?, _ out: UnsafeMutablePointer<CBB>?, _ input: UnsafePointer<UInt8>?,
                              _ inputLength: Int) -> Int32 {
    guard let input else { return 0 }
    let data = UnsafeBufferPointer(start: input, count: inputLength)
    var stream: [UInt8] = [0x78, 0x01]
    var offset = 0
    repeat {
        let count = min(65535, data.count - offset)
        let last: UInt8 = offset + count == data.count ? 1 : 0
        stream += [last, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8(~count >> 8 & 0xFF)]
        stream += data[offset..<offset + count]
        offset += count
    } while offset < data.count
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in data {
        a = (a + UInt32(byte)) % 65521
        b = (b + a) % 65521
    }
    let adler = b << 16 | a
    stream += [UInt8(adler >> 24), UInt8(adler >> 16 & 0xFF), UInt8(adler >> 8 & 0xFF), UInt8(adler & 0xFF)]
    return deliver(stream, to: out)
}

/// zstd likewise as raw blocks: a single-segment frame with a 4-byte content size, no checksum.
private func compressWithZstd(_ ssl: OpaquePointer?, _ out: UnsafeMutablePointer<CBB>?, _ input: UnsafePointer<UInt8>?,
                              _ inputLength: Int) -> Int32 {
    guard let input else { return 0 }
    let data = UnsafeBufferPointer(start: input, count: inputLength)
    let size = UInt32(inputLength)
    var frame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0xA0,
                          UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 24)]
    var offset = 0
    repeat {
        let count = min(128 * 1024, data.count - offset)
        let header = count << 3 | (offset + count == data.count ? 1 : 0)
        frame += [UInt8(header & 0xFF), UInt8(header >> 8 & 0xFF), UInt8(header >> 16 & 0xFF)]
        frame += data[offset..<offset + count]
        offset += count
    } while offset < data.count
    return deliver(frame, to: out)
}

private func selectH2(_ ssl: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
                      _ outLength: UnsafeMutablePointer<UInt8>?, _ offered: UnsafePointer<UInt8>?, _ offeredLength: UInt32,
                      _ argument: UnsafeMutableRawPointer?) -> Int32 {
    guard let offered else { return SSL_TLSEXT_ERR_NOACK }
    var index = 0
    while index < Int(offeredLength) {
        let length = Int(offered[index])
        if length == 2, index + 2 < Int(offeredLength), offered[index + 1] == UInt8(ascii: "h"),
           offered[index + 2] == UInt8(ascii: "2") {
            out?.pointee = offered + index + 1
            outLength?.pointee = 2
            return SSL_TLSEXT_ERR_OK
        }
        index += 1 + length
    }
    return SSL_TLSEXT_ERR_NOACK
}

import CTLSShim

/// What an upstream saw of one connection: the fingerprints of its ClientHello and of its first request.
package struct CapturedFingerprint: Sendable {
    package var tlsVersion: String
    package var alpn: String
    package var tls: TLSFingerprint
    /// Only when the client spoke HTTP/2.
    package var http2: HTTP2Fingerprint?
    /// Request header names in the order sent (HTTP/2 pseudo-headers first, as sent).
    package var headerOrder: [String]
}

/// A one-connection loopback TLS server (`tlsshim_capture_*`, OpenSSL) that records a client's ClientHello
/// and first request and answers 200: the upstream of `proxyd fingerprint`. Blocking; not for the data path.
package final class CaptureListener {
    package let port: UInt16
    /// The listener's self-signed certificate, for the client's CA file.
    package let certificateFile: String
    private let capture: OpaquePointer

    package init(certificateFile: String) throws {
        var err = [CChar](repeating: 0, count: 256)
        guard let capture = tlsshim_capture_new(certificateFile, &err, err.count) else {
            throw CaptureError(String(cString: err))
        }
        self.capture = capture
        self.certificateFile = certificateFile
        port = tlsshim_capture_port(capture)
    }

    deinit { tlsshim_capture_free(capture) }

    /// Waits for one connection and fingerprints it; each step may take up to `timeoutMilliseconds`.
    package func accept(timeoutMilliseconds: Int32) throws -> CapturedFingerprint {
        var result = tlsshim_capture_result()
        var err = [CChar](repeating: 0, count: 256)
        guard tlsshim_capture_accept(capture, timeoutMilliseconds, &result, &err, err.count) == 0 else {
            throw CaptureError(String(cString: err))
        }
        let hello = Array(UnsafeBufferPointer(start: result.client_hello, count: result.client_hello_len))
        let request = Array(UnsafeBufferPointer(start: result.request, count: result.request_len))
        guard let tls = TLSFingerprint(clientHello: hello) else {
            throw CaptureError("the ClientHello could not be parsed")
        }
        let alpn = String(cString: result.alpn)
        var captured = CapturedFingerprint(tlsVersion: String(cString: result.version), alpn: alpn, tls: tls,
                                           http2: nil, headerOrder: [])
        if alpn == "h2" {
            guard let http2 = HTTP2Fingerprint(preface: request) else {
                throw CaptureError("the HTTP/2 preface could not be parsed")
            }
            captured.http2 = http2
            captured.headerOrder = http2.pseudoHeaderOrder + http2.headerOrder
        } else {
            captured.headerOrder = Self.http1HeaderNames(request)
        }
        return captured
    }

    /// The field names of an HTTP/1.1 request head, in order, as sent.
    static func http1HeaderNames(_ head: [UInt8]) -> [String] {
        let lines = head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0 }
        return lines.dropFirst().prefix { !$0.isEmpty }.compactMap { line in
            line.firstIndex(of: UInt8(ascii: ":")).map { String(decoding: line[..<$0], as: UTF8.self) }
        }
    }
}

package struct CaptureError: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}

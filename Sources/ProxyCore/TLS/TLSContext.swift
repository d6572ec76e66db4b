import CTLSShim

/// Why a TLS client context could not be built; the description is the shim's message.
package struct TLSContextError: Error, CustomStringConvertible, Sendable {
    package let description: String
}

/// The shared client TLS settings (trust store, ALPN, profile) of one process. The shim context is
/// read-only after creation, so every worker thread may open connections from it at once;
/// connections use `pointer` with the tlsshim_conn_* functions directly.
package final class TLSContext: @unchecked Sendable {
    package let pointer: OpaquePointer

    /// `caFile` adds PEM certificates to the system trust store; `alpnProtocols` are offered in order;
    /// `profile` decides the rest of the ClientHello.
    package init(caFile: String?, alpnProtocols: [String], profile: TLSProfile) throws {
        var wire: [UInt8] = []
        for name in alpnProtocols {
            let bytes = Array(name.utf8)
            guard !bytes.isEmpty, bytes.count <= 255 else {
                throw TLSContextError(description: "invalid ALPN protocol name \"\(name)\"")
            }
            wire.append(UInt8(bytes.count))
            wire.append(contentsOf: bytes)
        }
        var message = [CChar](repeating: 0, count: 512)
        let created = wire.withUnsafeBufferPointer { alpn in
            message.withUnsafeMutableBufferPointer { err in
                tlsshim_ctx_new(profile.shimProfile, caFile, alpn.baseAddress, alpn.count, err.baseAddress, err.count)
            }
        }
        guard let created else {
            let text = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            throw TLSContextError(description: String(decoding: text, as: UTF8.self))
        }
        pointer = created
    }

    deinit {
        tlsshim_ctx_free(pointer)
    }
}

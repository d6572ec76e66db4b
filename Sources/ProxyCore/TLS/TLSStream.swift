import CTLSShim

/// One client TLS connection over a connected non-blocking socket, through the shim: the handshake,
/// then reads and writes as `IOResult`s like `SocketIO`'s. The only Swift caller of tlsshim_conn_*.
final class TLSStream {
    enum Handshake: Equatable {
        case done
        /// Wants the socket readable or writable again.
        case pending
        case failed(String)
    }

    private let conn: OpaquePointer

    /// Starts a connection for `host`:`port` over `fd`, offering a saved session of `scope` if any.
    init(context: TLSContext, fd: Int32, host: String, port: UInt16, scope: UInt32) throws(ProxyError) {
        var message = [CChar](repeating: 0, count: 256)
        guard let conn = tlsshim_conn_new(context.pointer, fd, host, port, scope, &message, message.count) else {
            throw ProxyError(502, "upstream TLS setup failed: \(String(cString: message))")
        }
        self.conn = conn
    }

    deinit {
        tlsshim_conn_free(conn)
    }

    func handshake() -> Handshake {
        switch tlsshim_handshake(conn) {
        case Int32(TLSSHIM_OK): return .done
        case Int32(TLSSHIM_WANT_READ), Int32(TLSSHIM_WANT_WRITE): return .pending
        default: return .failed(lastError)
        }
    }

    /// After the handshake: whether ALPN chose h2.
    var negotiatedHTTP2: Bool {
        var proto: UnsafePointer<UInt8>?
        let length = tlsshim_alpn(conn, &proto)
        return length == 2 && proto![0] == UInt8(ascii: "h") && proto![1] == UInt8(ascii: "2")
    }

    var resumedSession: Bool { tlsshim_session_reused(conn) != 0 }

    func read(into space: UnsafeMutableRawBufferPointer) -> IOResult {
        let n = tlsshim_read(conn, space.baseAddress, space.count)
        if n > 0 { return .bytes(n) }
        switch Int32(n) {
        case Int32(TLSSHIM_WANT_READ), Int32(TLSSHIM_WANT_WRITE): return .wouldBlock
        case Int32(TLSSHIM_CLOSED): return .end
        default: return .failed(lastError)
        }
    }

    /// After a read that returned bytes: nothing is buffered and the socket came back short, so another
    /// read now would only block (edge-triggered callers skip it).
    var readDrained: Bool { tlsshim_read_drained(conn) != 0 }

    func write(_ bytes: UnsafeRawBufferPointer) -> IOResult {
        let n = tlsshim_write(conn, bytes.baseAddress, bytes.count)
        if n > 0 { return .bytes(n) }
        switch Int32(n) {
        case Int32(TLSSHIM_WANT_READ), Int32(TLSSHIM_WANT_WRITE): return .wouldBlock
        default: return .failed(lastError)
        }
    }

    /// Sends close_notify, best effort.
    func shutdown() {
        tlsshim_shutdown(conn)
    }

    private var lastError: String { String(cString: tlsshim_conn_error(conn)) }
}

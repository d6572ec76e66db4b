import CEpoll
import Glibc

/// What one read or write on a non-blocking stream (a plain socket or TLS over one) came to.
enum IOResult: Equatable {
    /// This many bytes moved; always more than 0.
    case bytes(Int)
    /// Nothing to read, or no room to write, until the next readiness edge.
    case wouldBlock
    /// The peer ended its side (reads only).
    case end
    /// The stream failed; the reason is for messages.
    case failed(String)
}

/// Plain socket reads and writes as `IOResult`s: the one place that retries EINTR and tells EAGAIN
/// apart from a failure, for the client side, the upstream side and the dialer alike.
enum SocketIO {
    static func read(_ fd: Int32, into space: UnsafeMutableRawBufferPointer) -> IOResult {
        while true {
            let n = Glibc.read(fd, space.baseAddress, space.count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .end }
            let err = cepoll_errno()
            if err == EINTR { continue }
            return err == EAGAIN ? .wouldBlock : .failed(errnoText(err))
        }
    }

    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> IOResult {
        while true {
            let n = Glibc.write(fd, bytes.baseAddress, bytes.count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .wouldBlock }
            let err = cepoll_errno()
            if err == EINTR { continue }
            return err == EAGAIN ? .wouldBlock : .failed(errnoText(err))
        }
    }
}

extension IOBuffer {
    /// Writes the unread bytes through `write` until they are all out (`.bytes` with the total), the
    /// stream has no room (`.wouldBlock`, what was written is consumed), or it fails.
    mutating func drain(through write: (UnsafeRawBufferPointer) -> IOResult) -> IOResult {
        var total = 0
        while !isEmpty {
            switch write(readable) {
            case .bytes(let n):
                consume(n)
                total += n
            case .wouldBlock, .end:
                return .wouldBlock
            case .failed(let reason):
                return .failed(reason)
            }
        }
        releaseIfEmpty()
        return .bytes(total)
    }
}

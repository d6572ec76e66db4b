/// Decodes a chunked body (RFC 9112 section 7.1) incrementally without copying: payload comes back as
/// ranges of the caller's buffer. Strict, because a lenient decoder here is a request-smuggling vector.
package struct ChunkedDecoder: Sendable {
    /// A size line with extensions longer than this is refused (a slow-drip memory and CPU guard).
    package static let maxSizeLine = 4096
    package static let maxTrailerBytes = 8192

    package enum Event: Equatable, Sendable {
        /// Everything given was consumed; call again with more bytes.
        case needMore
        /// Payload bytes at this range of the buffer passed in; call again with the bytes after `consumed`.
        case data(Range<Int>)
        /// The last chunk and the trailer section are done; bytes after `consumed` belong to the next message.
        case end
        case invalid(String)
    }

    private enum State: Sendable {
        case size, sizeWhitespace, extensions, sizeLF
        case data, dataCR, dataLF
        case trailerLineStart, trailerLine, trailerLF, finalLF
        case done, failed
    }

    private var state = State.size
    private var size: UInt64 = 0
    private var digits = 0
    private var lineLength = 0
    private var remaining: UInt64 = 0
    private var trailerBytes = 0
    private var failure = ""

    package init() {}

    /// Whether the terminating chunk and trailers have been read.
    package var isFinished: Bool { state == .done }

    package mutating func next(_ bytes: UnsafeRawBufferPointer) -> (consumed: Int, event: Event) {
        if state == .done { return (0, .end) }
        if state == .failed { return (0, .invalid(failure)) }
        let n = bytes.count
        var i = 0
        while i < n {
            let c = bytes[i]
            switch state {
            case .size, .sizeWhitespace, .extensions:
                lineLength += 1
                if lineLength > Self.maxSizeLine { return fail(i, "chunk size line too long") }
                if let message = sizeLineByte(c) { return fail(i, message) }
            case .sizeLF:
                guard c == HTTPSyntax.lf else { return fail(i, "bare CR in chunk size line") }
                lineLength = 0
                digits = 0
                if size == 0 {
                    state = .trailerLineStart
                } else {
                    remaining = size
                    size = 0
                    state = .data
                }
            case .data:
                let take = Int(min(UInt64(n - i), remaining))
                remaining -= UInt64(take)
                if remaining == 0 { state = .dataCR }
                return (i + take, .data(i..<(i + take)))
            case .dataCR:
                guard c == HTTPSyntax.cr else { return fail(i, "missing CRLF after chunk data") }
                state = .dataLF
            case .dataLF:
                guard c == HTTPSyntax.lf else { return fail(i, "missing CRLF after chunk data") }
                state = .size
            case .trailerLineStart, .trailerLine, .trailerLF, .finalLF:
                trailerBytes += 1
                if trailerBytes > Self.maxTrailerBytes { return fail(i, "trailer section too large") }
                if let message = trailerByte(c) { return fail(i, message) }
                if state == .done { return (i + 1, .end) }
            case .done, .failed:
                return (i, state == .done ? .end : .invalid(failure))
            }
            i += 1
        }
        return (n, .needMore)
    }

    private mutating func fail(_ at: Int, _ message: String) -> (consumed: Int, event: Event) {
        state = .failed
        failure = "invalid chunked body: " + message
        return (at, .invalid(failure))
    }

    /// `chunk-size [ BWS ";" chunk-ext ] CRLF`; returns an error message or nil.
    private mutating func sizeLineByte(_ c: UInt8) -> String? {
        if state == .size, let v = HTTPSyntax.hexValue(c) {
            digits += 1
            // Sixteen hex digits fill a UInt64 exactly, so the shift below cannot lose bits.
            if digits > 16 { return "chunk size too large" }
            size = size << 4 | UInt64(v)
            return nil
        }
        if state == .size, digits == 0 { return "invalid chunk size" }
        switch c {
        case HTTPSyntax.cr:
            state = .sizeLF
        case HTTPSyntax.lf:
            return "bare LF in chunk size line"
        default:
            if state == .extensions {
                if c < 0x20 && c != HTTPSyntax.htab || c == 0x7F { return "control character in chunk extension" }
            } else if c == UInt8(ascii: ";") {
                state = .extensions
            } else if HTTPSyntax.isWhitespace(c) {
                state = .sizeWhitespace
            } else {
                return "invalid chunk size"
            }
        }
        return nil
    }

    /// Trailer lines are read only to find their end: they are discarded, never forwarded.
    private mutating func trailerByte(_ c: UInt8) -> String? {
        switch state {
        case .trailerLineStart, .trailerLine:
            if c == HTTPSyntax.lf { return "bare LF in trailer section" }
            if c == HTTPSyntax.cr {
                state = state == .trailerLineStart ? .finalLF : .trailerLF
            } else {
                state = .trailerLine
            }
        case .trailerLF, .finalLF:
            guard c == HTTPSyntax.lf else { return "bare CR in trailer section" }
            state = state == .finalLF ? .done : .trailerLineStart
        default:
            break
        }
        return nil
    }
}

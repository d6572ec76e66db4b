/// Writes a decoded response body into the client's output, chunked for HTTP/1.1 clients (raw for
/// HTTP/1.0, whose body ends with the connection), decoding straight into the output buffer so that
/// decoded bytes are never copied.
enum DecodedBody {
    /// Chunks are written with a fixed-width size (leading zeros are valid, RFC 9112 section 7.1), so
    /// the size line can be reserved before the decoder says how much it produced.
    private static let sizeDigits = 6
    private static let sizeLine = sizeDigits + 2
    private static let maxChunk = 64 * 1024
    private static let minRoom = 4 * 1024

    /// Decodes `input` into `output` until the input is used up and the decoder holds nothing more,
    /// or `output` holds `limit` bytes. Returns how much of `input` was consumed; the caller keeps
    /// the rest for when the client has taken some output.
    static func write(_ decoder: ContentDecoder, _ input: UnsafeRawBufferPointer, chunked: Bool,
                      into output: inout IOBuffer, limit: Int) -> Result<Int, ContentDecodingError> {
        var consumed = 0
        let header = chunked ? sizeLine : 0
        let trailer = chunked ? 2 : 0
        while output.readableCount < limit && (consumed < input.count || decoder.hasOutput) {
            let room = min(max(limit - output.readableCount, minRoom), maxChunk)
            let space = output.writableSpace(minimum: header + room + trailer)
            let target = UnsafeMutableRawBufferPointer(rebasing: space[header..<header + room])
            switch decoder.decode(UnsafeRawBufferPointer(rebasing: input[consumed...]), into: target) {
            case .failure(let error):
                return .failure(error)
            case .success(let step):
                consumed += step.consumed
                guard step.produced > 0 else {
                    if step.consumed == 0 { return .success(consumed) }  // the decoder needs more input
                    continue
                }
                if chunked {
                    var size = step.produced
                    for index in stride(from: sizeDigits - 1, through: 0, by: -1) {
                        space[index] = HTTPSyntax.hexDigit(size)
                        size >>= 4
                    }
                    space[sizeDigits] = HTTPSyntax.cr
                    space[sizeDigits + 1] = HTTPSyntax.lf
                    space[header + step.produced] = HTTPSyntax.cr
                    space[header + step.produced + 1] = HTTPSyntax.lf
                }
                output.didWrite(header + step.produced + trailer)
            }
        }
        return .success(consumed)
    }
}

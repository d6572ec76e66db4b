/// A response body whose content coding is removed on the way (`ContentHandling.decode`): its decoder
/// and the coded bytes the client had no room for yet, kept in order. While any wait here the exchange
/// holds the upstream back, and decodes more as the client takes its output. A class because its buffer
/// is non-copyable; one per decoded response, not per read.
final class CodedBody {
    let decoder: ContentDecoder
    /// The client's framing: decoded bytes go out as chunks.
    let chunked: Bool
    private var kept = IOBuffer()

    init(_ decoder: ContentDecoder, chunked: Bool) {
        self.decoder = decoder
        self.chunked = chunked
    }

    /// Coded bytes, or output the decoder holds, still wait for room in the client's output.
    var pending: Bool { !kept.isEmpty || decoder.hasOutput }

    /// Decodes `bytes`, after any kept ones, into `output` up to `limit`, and keeps the rest.
    func take(_ bytes: UnsafeRawBufferPointer, into output: inout IOBuffer,
              limit: Int = Backpressure.highWater) -> ContentDecodingError? {
        guard kept.isEmpty else {
            kept.append(bytes)
            return decodeKept(into: &output, limit: limit)
        }
        switch DecodedBody.write(decoder, bytes, chunked: chunked, into: &output, limit: limit) {
        case .failure(let error):
            return error
        case .success(let consumed):
            if consumed < bytes.count { kept.append(UnsafeRawBufferPointer(rebasing: bytes[consumed...])) }
            return nil
        }
    }

    /// Decodes kept bytes into `output`, up to `limit`.
    func decodeKept(into output: inout IOBuffer, limit: Int = Backpressure.highWater) -> ContentDecodingError? {
        switch DecodedBody.write(decoder, kept.readable, chunked: chunked, into: &output, limit: limit) {
        case .failure(let error):
            return error
        case .success(let consumed):
            kept.consume(consumed)
            kept.releaseIfEmpty()
            // Room was there and input too, yet nothing moved: waiting would never end.
            if consumed == 0 && output.readableCount < limit && !kept.isEmpty && !decoder.hasOutput {
                return ContentDecodingError(message: "\(decoder.coding) decoder takes no more input")
            }
            return nil
        }
    }

    /// Everything is decoded: the coded stream must have ended too, or the upstream's body was cut.
    var endError: ContentDecodingError? {
        decoder.isComplete ? nil : ContentDecodingError(message: "\(decoder.coding) stream ends early")
    }
}

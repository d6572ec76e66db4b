/// The chunked transfer coding (RFC 9112 section 7.1) as proxyd writes it, towards clients and
/// towards HTTP/1.1 upstreams; `ChunkedDecoder` reads it. (`DecodedBody` writes its chunk size lines
/// in place with a fixed width, since it learns a chunk's size only after decoding into it.)
enum ChunkedEncoder {
    /// One chunk holding `bytes`; nothing for no bytes, since an empty chunk would end the body.
    static func writeChunk(_ bytes: UnsafeRawBufferPointer, into out: inout IOBuffer) {
        guard bytes.count > 0 else { return }
        out.appendHex(bytes.count)
        out.append("\r\n")
        out.append(bytes)
        out.append("\r\n")
    }

    /// The last chunk, with trailer fields if any, and the final CRLF.
    static func writeLastChunk(trailers: [HTTPField] = [], into out: inout IOBuffer) {
        out.append("0\r\n")
        for field in trailers { out.appendFieldLine(field.name, field.value) }
        out.append("\r\n")
    }
}

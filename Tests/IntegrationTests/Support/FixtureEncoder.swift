import CBrotliEncoder
import CZlib
import CZstd

/// Streaming content encoders for the fixtures' encoded answers, on the system libraries (zlib,
/// brotli, zstd). Each piece comes out flushed, so a decoder on the other side can emit it before the
/// next piece is sent, as a server streaming compressed SSE must do.
final class FixtureEncoder {
    let coding: String
    private var zlib: UnsafeMutablePointer<z_stream>?
    private var brotli: OpaquePointer?
    private var zstd: OpaquePointer?

    /// nil for a coding it cannot produce (the fixture then sends the bytes as they are).
    init?(coding: String) {
        self.coding = coding
        switch coding {
        case "gzip", "deflate":
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            guard czlib_deflate_init(stream, Z_DEFAULT_COMPRESSION, coding == "gzip" ? 15 + 16 : 15) == Z_OK else {
                stream.deallocate()
                return nil
            }
            zlib = stream
        case "br":
            guard let state = BrotliEncoderCreateInstance(nil, nil, nil) else { return nil }
            brotli = state
        case "zstd":
            guard let context = ZSTD_createCCtx() else { return nil }
            zstd = context
        default:
            return nil
        }
    }

    deinit {
        if let zlib {
            deflateEnd(zlib)
            zlib.deallocate()
        }
        if let brotli { BrotliEncoderDestroyInstance(brotli) }
        if let zstd { ZSTD_freeCCtx(zstd) }
    }

    /// Encodes `bytes`, flushed; `last` also ends the coded stream.
    func encode(_ bytes: [UInt8], last: Bool) -> [UInt8] {
        var out: [UInt8] = []
        var space = [UInt8](repeating: 0, count: 64 * 1024)
        bytes.withUnsafeBytes { input in
            space.withUnsafeMutableBytes { buffer in
                let target = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                if let zlib {
                    zlib.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
                    zlib.pointee.avail_in = UInt32(input.count)
                    repeat {
                        zlib.pointee.next_out = target
                        zlib.pointee.avail_out = UInt32(buffer.count)
                        _ = deflate(zlib, last ? Z_FINISH : Z_SYNC_FLUSH)
                        out += UnsafeRawBufferPointer(rebasing: buffer[0..<(buffer.count - Int(zlib.pointee.avail_out))])
                    } while zlib.pointee.avail_out == 0
                } else if let brotli {
                    var availableIn = input.count
                    var nextIn = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
                    repeat {
                        var availableOut = buffer.count
                        var nextOut: UnsafeMutablePointer<UInt8>? = target
                        _ = BrotliEncoderCompressStream(brotli, last ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_FLUSH,
                                                        &availableIn, &nextIn, &availableOut, &nextOut, nil)
                        out += UnsafeRawBufferPointer(rebasing: buffer[0..<(buffer.count - availableOut)])
                    } while availableIn > 0 || BrotliEncoderHasMoreOutput(brotli) == BROTLI_TRUE
                } else if let zstd {
                    var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
                    var remaining = 0
                    repeat {
                        var sink = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
                        remaining = ZSTD_compressStream2(zstd, &sink, &source, last ? ZSTD_e_end : ZSTD_e_flush)
                        out += UnsafeRawBufferPointer(rebasing: buffer[0..<sink.pos])
                    } while remaining != 0 && ZSTD_isError(remaining) == 0
                }
            }
        }
        return out
    }

    /// The whole of `bytes` as one coded stream.
    static func encodeWhole(_ bytes: [UInt8], coding: String) -> [UInt8]? {
        FixtureEncoder(coding: coding)?.encode(bytes, last: true)
    }

    /// The coding the fixture answers with: `coding=` from the query, else the first coding the
    /// request's Accept-Encoding lists (what a server honouring it would pick).
    static func chosenCoding(_ request: RecordedRequest) -> String? {
        if let coding = request.query["coding"] { return coding }
        let offered = request.headerValues("accept-encoding").flatMap { $0.split(separator: ",") }
        return offered.first.map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased() }
    }
}

extension FixtureResponses {
    /// The text `__encoded` encodes: readable, compressible, and checkable byte for byte.
    static func encodedText(count: Int) -> [UInt8] {
        var text: [UInt8] = []
        var line = 0
        while text.count < count {
            text += Array("line \(line): the quick brown fox jumps over the lazy dog\n".utf8)
            line += 1
        }
        return Array(text.prefix(count))
    }

    /// `__encoded?bytes=N[&coding=C][&corrupt=1]`: the text in coding C (or the request's first
    /// accepted one), with a stretch of its middle overwritten when `corrupt` is set. Codings the
    /// fixture cannot produce (`x-unknown`) are named but the bytes left as they are.
    static func encoded(for request: RecordedRequest) -> (coding: String?, body: [UInt8]) {
        let text = encodedText(count: Int(request.query["bytes"] ?? "") ?? 10_000)
        guard let coding = FixtureEncoder.chosenCoding(request), coding != "identity" else { return (nil, text) }
        var body = FixtureEncoder.encodeWhole(text, coding: coding) ?? text
        if request.query["corrupt"] == "1" && body.count > 40 {
            for index in body.count / 2..<(body.count / 2 + 16) { body[index] ^= 0x5A }
        }
        return (coding, body)
    }
}

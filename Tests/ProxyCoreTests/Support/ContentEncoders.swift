import CBrotliEncoder
import CZlib
import CZstd
@testable import ProxyCore

/// One-shot encoders for the decoder tests' vectors, with the same libraries proxyd decodes with.
enum TestEncoding {
    case gzip, zlibDeflate, rawDeflate, br, zstd

    var coding: ContentCoding {
        switch self {
        case .gzip: return .gzip
        case .zlibDeflate, .rawDeflate: return .deflate
        case .br: return .br
        case .zstd: return .zstd
        }
    }

    static let all: [TestEncoding] = [.gzip, .zlibDeflate, .rawDeflate, .br, .zstd]

    func encode(_ input: [UInt8]) -> [UInt8] {
        switch self {
        case .gzip: return Self.deflate(input, windowBits: 15 + 16)
        case .zlibDeflate: return Self.deflate(input, windowBits: 15)
        case .rawDeflate: return Self.deflate(input, windowBits: -15)
        case .br:
            var size = BrotliEncoderMaxCompressedSize(input.count)
            var out = [UInt8](repeating: 0, count: size)
            let ok = BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC,
                                           input.count, input, &size, &out)
            precondition(ok == BROTLI_TRUE)
            return Array(out.prefix(size))
        case .zstd:
            var out = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
            let size = ZSTD_compress(&out, out.count, input, input.count, 3)
            precondition(ZSTD_isError(size) == 0)
            return Array(out.prefix(size))
        }
    }

    private static func deflate(_ input: [UInt8], windowBits: Int32) -> [UInt8] {
        var stream = z_stream()
        precondition(czlib_deflate_init(&stream, Z_BEST_COMPRESSION, windowBits) == Z_OK)
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        var input = input
        let produced = input.withUnsafeMutableBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                precondition(CZlib.deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(out.prefix(produced))
    }
}

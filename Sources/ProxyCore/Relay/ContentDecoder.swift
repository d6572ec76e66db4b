import CBrotli
import CZlib
import CZstd

/// Why a coded body could not be decoded.
struct ContentDecodingError: Error, Equatable {
    var message: String
}

/// Streaming decoder for one response body in one content coding: gzip and deflate with zlib, br
/// with libbrotlidec, zstd with libzstd. Output goes into space the caller provides, so the caller
/// bounds how much decoded data exists at any time (a compression bomb costs only CPU, never memory);
/// whatever the decoder could not write yet it keeps (`hasOutput`) for the next call.
final class ContentDecoder {
    struct Step: Equatable {
        var consumed: Int
        var produced: Int
    }

    let coding: ContentCoding
    private var zlib: UnsafeMutablePointer<z_stream>?
    private var brotli: OpaquePointer?
    private var zstd: OpaquePointer?
    /// deflate: the first two bytes, which tell a zlib wrapper from raw deflate.
    private var prefix: (UInt8, UInt8) = (0, 0)
    private var prefixCount = 0
    private var sawInput = false
    private var ended = false

    /// The decoder holds output it had no room for: call `decode` again, even without input.
    private(set) var hasOutput = false

    /// Whether the body may end here: the coded stream is complete (or no byte of it arrived, as
    /// with an empty body that still names a coding).
    var isComplete: Bool { ended || !sawInput }

    /// RFC 8878 section 3.1.1.1.2 asks HTTP decoders for windows up to 8 MB; larger ones would let an
    /// upstream make proxyd allocate up to the library's default of 128 MB per response.
    private static let zstdWindowLogMax: Int32 = 23

    /// nil when the library cannot allocate its state.
    init?(_ coding: ContentCoding) {
        self.coding = coding
        switch coding {
        case .gzip, .deflate:
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            zlib = stream
            // gzip starts now; deflate once its first two bytes say which framing it has.
            if coding == .gzip && czlib_inflate_init(stream, 15 + 16) != Z_OK {
                stream.deallocate()
                zlib = nil
                return nil
            }
        case .br:
            guard let state = BrotliDecoderCreateInstance(nil, nil, nil) else { return nil }
            brotli = state
        case .zstd:
            guard let context = ZSTD_createDCtx() else { return nil }
            zstd = context
            _ = ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, Self.zstdWindowLogMax)
        }
    }

    deinit {
        if let zlib {
            if coding == .gzip || prefixCount == 2 { inflateEnd(zlib) }
            zlib.deallocate()
        }
        if let brotli { BrotliDecoderDestroyInstance(brotli) }
        if let zstd { ZSTD_freeDCtx(zstd) }
    }

    /// Decodes from `input` into `output` as far as both allow. `output` should hold at least a few
    /// bytes (deflate may emit while it reads its first two).
    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        -> Result<Step, ContentDecodingError> {
        if !input.isEmpty { sawInput = true }
        var step = Step(consumed: 0, produced: 0)
        while step.produced < output.count && (step.consumed < input.count || hasOutput) {
            let rest = UnsafeRawBufferPointer(rebasing: input[step.consumed...])
            let room = UnsafeMutableRawBufferPointer(rebasing: output[step.produced...])
            if ended && coding != .zstd {
                // After the end, gzip may start another member (RFC 1952 section 2.2); anything else
                // is ignored, as browsers do with trailing bytes. (zstd frames concatenate: its
                // library reads on by itself.)
                guard coding == .gzip, rest.first == 0x1F, let zlib, inflateReset(zlib) == Z_OK else {
                    step.consumed = input.count
                    break
                }
                ended = false
            }
            let result: Result<Step, ContentDecodingError>
            switch coding {
            case .gzip: result = inflate(rest, into: room)
            case .deflate: result = prefixCount < 2 ? startDeflate(rest, into: room) : inflate(rest, into: room)
            case .br: result = decodeBrotli(rest, into: room)
            case .zstd: result = decodeZstd(rest, into: room)
            }
            switch result {
            case .failure(let error):
                return .failure(error)
            case .success(let progress):
                step.consumed += progress.consumed
                step.produced += progress.produced
                if progress.consumed == 0 && progress.produced == 0 { return .success(step) }
            }
        }
        return .success(step)
    }

    // MARK: zlib

    /// Collects deflate's first two bytes: a valid zlib header (RFC 1950: method 8, window at most
    /// 32 KB, check bits) means the zlib wrapper HTTP's deflate names; else the raw deflate many
    /// servers send instead, which browsers accept too.
    private func startDeflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        -> Result<Step, ContentDecodingError> {
        guard let zlib, let first = input.first else { return .success(Step(consumed: 0, produced: 0)) }
        if prefixCount == 0 {
            prefix.0 = first
            prefixCount = 1
            return .success(Step(consumed: 1, produced: 0))
        }
        prefix.1 = first
        let check = UInt16(prefix.0) << 8 | UInt16(prefix.1)
        let wrapped = prefix.0 & 0x0F == 8 && prefix.0 >> 4 <= 7 && check % 31 == 0
        guard czlib_inflate_init(zlib, wrapped ? 15 : -15) == Z_OK else {
            return .failure(ContentDecodingError(message: "deflate: cannot allocate the decoder"))
        }
        prefixCount = 2
        var header = prefix
        let fed = withUnsafeBytes(of: &header) { inflate($0, into: output) }
        guard case .success(let step) = fed else { return fed }
        guard step.consumed == 2 else { return .failure(ContentDecodingError(message: "deflate: no room for output")) }
        // The second byte came from this input; the first was counted when it arrived.
        return .success(Step(consumed: 1, produced: step.produced))
    }

    private func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        -> Result<Step, ContentDecodingError> {
        guard let zlib else { return .failure(ContentDecodingError(message: "zlib: no decoder")) }
        let inCount = min(input.count, Int(UInt32.max))
        let outCount = min(output.count, Int(UInt32.max))
        zlib.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        zlib.pointee.avail_in = UInt32(inCount)
        zlib.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        zlib.pointee.avail_out = UInt32(outCount)
        let status = CZlib.inflate(zlib, Z_NO_FLUSH)
        let step = Step(consumed: inCount - Int(zlib.pointee.avail_in), produced: outCount - Int(zlib.pointee.avail_out))
        zlib.pointee.next_in = nil
        zlib.pointee.next_out = nil
        switch status {
        case Z_STREAM_END:
            ended = true
            hasOutput = false
        case Z_OK, Z_BUF_ERROR:
            // Z_BUF_ERROR only says no progress was possible: more input (or room) is needed.
            hasOutput = zlib.pointee.avail_out == 0
        default:
            let detail = zlib.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
            return .failure(ContentDecodingError(message: "\(coding == .gzip ? "gzip" : "deflate"): \(detail)"))
        }
        return .success(step)
    }

    // MARK: brotli

    private func decodeBrotli(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        -> Result<Step, ContentDecodingError> {
        var availableIn = input.count
        var nextIn = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var availableOut = output.count
        var nextOut = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let result = BrotliDecoderDecompressStream(brotli, &availableIn, &nextIn, &availableOut, &nextOut, nil)
        let step = Step(consumed: input.count - availableIn, produced: output.count - availableOut)
        switch result {
        case BROTLI_DECODER_RESULT_SUCCESS:
            ended = true
            hasOutput = false
        case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
            hasOutput = true
        case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
            hasOutput = false
        default:
            let detail = String(cString: BrotliDecoderErrorString(BrotliDecoderGetErrorCode(brotli)))
            return .failure(ContentDecodingError(message: "br: \(detail)"))
        }
        return .success(step)
    }

    // MARK: zstd

    private func decodeZstd(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        -> Result<Step, ContentDecodingError> {
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var target = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let hint = ZSTD_decompressStream(zstd, &target, &source)
        if ZSTD_isError(hint) != 0 {
            return .failure(ContentDecodingError(message: "zstd: \(String(cString: ZSTD_getErrorName(hint)))"))
        }
        // 0: a frame is complete and flushed; another may follow (zstd frames concatenate).
        ended = hint == 0
        hasOutput = target.pos == target.size
        return .success(Step(consumed: source.pos, produced: target.pos))
    }
}

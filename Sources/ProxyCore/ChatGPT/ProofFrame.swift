import CProofOfWork

/// One stretch of a proof search in which only the nonce's digits change: the elapsed milliseconds and the
/// nonce's digit count are fixed, so the JSON has a fixed length and every base64 group except the ones
/// holding the digits is the same for every try. The frame cuts the text there, once, for the C kernels:
///
///     seed ‖ base64(json[..<varStart]) ‖ base64(json[varStart..<tailStart]) ‖ base64(json[tailStart...])
///     `prefix`: hashed once per frame   per nonce (`varJSON`)                 `tail`: shared by all lanes
///
/// varStart and tailStart are multiples of 3, so the three base64 pieces concatenate to the base64 of the
/// whole JSON. A new frame is cut when the elapsed milliseconds or the digit count change.
struct ProofFrame {
    let elapsedMs: Int
    let digitCount: Int
    /// seed ‖ the base64 before the groups that hold the nonce.
    let prefix: [UInt8]
    /// The JSON of those groups (the digits' values do not matter) and where the digits start in it.
    let varJSON: [UInt8]
    let digitsAt: Int
    let tail: [UInt8]
    private let json: [UInt8]
    private let nonceAt: Int

    init(template: SentinelTemplate, seed: [UInt8], elapsedMs: Int, digitCount: Int) {
        precondition((1...20).contains(digitCount), "a nonce has 1 to 20 digits")
        self.elapsedMs = elapsedMs
        self.digitCount = digitCount
        (json, nonceAt) = template.json(nonce: Array(repeating: UInt8(ascii: "0"), count: digitCount),
                                        elapsed: Array(String(elapsedMs).utf8))
        let varStart = nonceAt / 3 * 3
        let tailStart = min(json.count, (nonceAt + digitCount + 2) / 3 * 3)
        prefix = seed + Array(Base64.encode(Array(json[..<varStart])).utf8)
        varJSON = Array(json[varStart..<tailStart])
        digitsAt = nonceAt - varStart
        tail = Array(Base64.encode(Array(json[tailStart...])).utf8)
    }

    /// The base64 of the JSON with this nonce: what a proof carries after its prefix.
    func base64(nonce: Int) -> String {
        var bytes = json
        let digits = Array(String(nonce).utf8)
        precondition(digits.count == digitCount, "the nonce belongs to this frame")
        bytes.replaceSubrange(nonceAt..<nonceAt + digitCount, with: digits)
        return Base64.encode(bytes)
    }

    /// The frame as the C kernels read it; the pointers are valid only inside `body`.
    func withCFrame<R>(_ body: (UnsafePointer<pow_frame>) -> R) -> R {
        varJSON.withUnsafeBufferPointer { varBytes in
            tail.withUnsafeBufferPointer { tailBytes in
                var frame = pow_frame(var_json: varBytes.baseAddress, var_json_len: varBytes.count,
                                      digits_at: digitsAt, digit_count: digitCount,
                                      tail: tailBytes.baseAddress, tail_len: tailBytes.count)
                return body(&frame)
            }
        }
    }
}

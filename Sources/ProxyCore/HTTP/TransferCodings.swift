/// What a message's Transfer-Encoding fields list, in order across fields (RFC 9112 section 6.1),
/// summarized while the values are scanned so that no list of codings is built.
struct TransferCodings {
    /// A Transfer-Encoding field was present.
    private(set) var seen = false
    /// Elements, empty ones included.
    private(set) var count = 0
    /// An element that is not a token, an empty one included.
    private(set) var malformed = false
    private(set) var chunkedCount = 0
    /// Whether the last non-empty element is `chunked`.
    private(set) var lastIsChunked = false
    /// The first element other than `chunked`, for error messages.
    private(set) var firstOther: String?

    mutating func add(_ value: UnsafeRawBufferPointer) {
        seen = true
        HTTPSyntax.forEachListElement(value) { coding in
            count += 1
            guard !coding.isEmpty else {
                malformed = true
                return true
            }
            if !HTTPSyntax.isToken(coding) { malformed = true }
            lastIsChunked = HTTPSyntax.equalsLowercase(coding, "chunked")
            if lastIsChunked {
                chunkedCount += 1
            } else if firstOther == nil {
                firstOther = String(decoding: coding, as: UTF8.self)
            }
            return true
        }
    }

    mutating func add(_ value: String) {
        var value = value
        value.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }
}

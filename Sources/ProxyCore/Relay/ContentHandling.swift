/// The content codings proxyd can remove from a response body.
enum ContentCoding: Equatable {
    case gzip, deflate, br, zstd

    /// nil for codings proxyd cannot decode; ASCII case-insensitive, `x-gzip` is gzip.
    init?(_ name: UnsafeRawBufferPointer) {
        let name = AcceptEncoding.canonical(name)
        if HTTPSyntax.equalsLowercase(name, "gzip") {
            self = .gzip
        } else if HTTPSyntax.equalsLowercase(name, "deflate") {
            self = .deflate
        } else if HTTPSyntax.equalsLowercase(name, "br") {
            self = .br
        } else if HTTPSyntax.equalsLowercase(name, "zstd") {
            self = .zstd
        } else {
            return nil
        }
    }
}

/// What happens to a response body on its way to the client, decided from the response's
/// Content-Encoding and the request's Accept-Encoding.
enum ContentHandling: Equatable {
    /// The bytes go as received (no coding, or codings the client accepts).
    case passThrough
    /// proxyd removes this coding: the client did not accept it.
    case decode(ContentCoding)
    /// A coding the client did not accept and proxyd cannot remove (unknown, or several stacked):
    /// the client gets this 502 message instead of bytes it cannot read.
    case refuse(String)

    /// `decodes`: the request went out with a header plan, so the upstream was offered the
    /// browser's codings rather than the client's; without one, the client chose and nothing is
    /// decoded. `hasBody`: a body will follow; without one nothing can be unreadable, so nothing
    /// is refused, but the head still describes the decoded form.
    static func decide(response: [HTTPField], request: [HTTPField], decodes: Bool, hasBody: Bool) -> ContentHandling {
        guard decodes else { return .passThrough }
        var count = 0
        var single: ContentCoding?
        var allAccepted = true
        for field in response where field.hasName("content-encoding") {
            HTTPSyntax.forEachListElement(field.value) { coding in
                // `identity` is not a content coding, though some servers list it.
                guard !coding.isEmpty, !HTTPSyntax.equalsLowercase(coding, "identity") else { return true }
                count += 1
                single = ContentCoding(coding)
                if allAccepted && !AcceptEncoding.accepts(coding, in: request) { allAccepted = false }
                return true
            }
        }
        if allAccepted { return .passThrough }
        if count == 1, let single { return .decode(single) }
        if !hasBody { return .passThrough }
        let listed = response.filter { $0.hasName("content-encoding") }.map(\.value).joined(separator: ", ")
        return .refuse(count == 1
            ? "upstream answered with content-encoding \"\(listed)\", which the client did not accept and proxyd cannot decode"
            : "upstream answered with stacked content codings \"\(listed)\", which the client did not accept and proxyd decodes only one at a time")
    }
}

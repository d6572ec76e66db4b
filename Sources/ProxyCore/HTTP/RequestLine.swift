/// `method SP request-target SP HTTP-version` (RFC 9112 section 3), single spaces only.
struct RequestLine {
    var method: String
    /// Always origin-form: the absolute form is reduced to its path and query.
    var target: String
    var minorVersion: Int

    static func parse(_ b: UnsafeRawBufferPointer, _ line: Range<Int>, strings: FieldStringCache?)
        -> Swift.Result<RequestLine, ProxyError> {
        func bad(_ message: String) -> Swift.Result<RequestLine, ProxyError> {
            .failure(ProxyError(400, "invalid request: " + message))
        }
        guard let sp1 = firstSpace(b, line.lowerBound..<line.upperBound),
              let sp2 = firstSpace(b, (sp1 + 1)..<line.upperBound), sp2 > sp1 + 1 else {
            return bad("malformed request line")
        }
        let methodRange = line.lowerBound..<sp1
        let targetRange = (sp1 + 1)..<sp2
        let versionRange = (sp2 + 1)..<line.upperBound
        guard HTTPSyntax.isToken(UnsafeRawBufferPointer(rebasing: b[methodRange])) else {
            return bad("invalid method")
        }
        let minorVersion: Int
        if HTTPSyntax.matches(b, versionRange, "HTTP/1.1") {
            minorVersion = 1
        } else if HTTPSyntax.matches(b, versionRange, "HTTP/1.0") {
            minorVersion = 0
        } else if isVersionShaped(b, versionRange) {
            return .failure(ProxyError(505, "HTTP version not supported"))
        } else {
            return bad("malformed HTTP version")
        }
        let method = HTTPSyntax.string(b, methodRange)
        if method == "CONNECT" { return .failure(ProxyError(501, "CONNECT is not supported")) }
        for k in targetRange {
            let c = b[k]
            // '#' cannot occur in a request target; everything else visible is the upstream's business.
            guard c >= 0x21, c <= 0x7E, c != 0x23 else { return bad("invalid character in request target") }
        }
        switch originForm(b, targetRange, strings: strings) {
        case .success(let target):
            return .success(RequestLine(method: method, target: target, minorVersion: minorVersion))
        case .failure(let error):
            return .failure(error)
        }
    }

    private static func firstSpace(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        range.first { b[$0] == HTTPSyntax.sp }
    }

    private static func isVersionShaped(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> Bool {
        guard r.count == 8, HTTPSyntax.matches(b, r.lowerBound..<(r.lowerBound + 5), "HTTP/") else { return false }
        func digit(_ i: Int) -> Bool { b[r.lowerBound + i] >= 0x30 && b[r.lowerBound + i] <= 0x39 }
        return digit(5) && b[r.lowerBound + 6] == 0x2E && digit(7)
    }

    /// Origin-form as is; absolute-form `http(s)://authority/path?query` reduced to `/path?query`
    /// (RFC 9112 section 3.2.2); asterisk- and authority-form are not for this server.
    private static func originForm(_ b: UnsafeRawBufferPointer, _ r: Range<Int>, strings: FieldStringCache?)
        -> Swift.Result<String, ProxyError> {
        if b[r.lowerBound] == UInt8(ascii: "/") {
            let target = UnsafeRawBufferPointer(rebasing: b[r])
            // A query may carry credentials (API keys, signed URLs), which the cache would keep after the request.
            let cache = strings == nil || target.contains(UInt8(ascii: "?")) ? nil : strings
            return .success(FieldStringCache.string(target, from: cache))
        }
        let text = HTTPSyntax.string(b, r)
        if text == "*" { return .failure(ProxyError(400, "invalid request: asterisk-form target not supported")) }
        let lowered = text.lowercased()
        let schemeLength = lowered.hasPrefix("http://") ? 7 : lowered.hasPrefix("https://") ? 8 : 0
        guard schemeLength > 0 else {
            return .failure(ProxyError(400, "invalid request: request target must start with /"))
        }
        let afterScheme = text.utf8.dropFirst(schemeLength)
        let pathStart = afterScheme.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }
            ?? afterScheme.endIndex
        guard pathStart > afterScheme.startIndex else {
            return .failure(ProxyError(400, "invalid request: absolute-form target without host"))
        }
        let rest = Substring(text.utf8[pathStart...])
        if rest.isEmpty { return .success("/") }
        return .success(rest.hasPrefix("/") ? String(rest) : "/" + rest)
    }
}

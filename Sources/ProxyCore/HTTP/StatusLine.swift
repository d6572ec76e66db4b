/// `HTTP-version SP status-code [SP reason]`; a missing reason is tolerated (RFC 9112 section 4).
struct StatusLine {
    var minorVersion: Int
    var code: Int
    var reason: String

    static func parse(_ b: UnsafeRawBufferPointer, _ line: Range<Int>) -> Swift.Result<StatusLine, ResponseHeadError> {
        let start = line.lowerBound
        guard line.count >= 12, b[start + 8] == HTTPSyntax.sp else { return .failure(ResponseHeadError("malformed status line")) }
        let minor: Int
        if HTTPSyntax.matches(b, start..<(start + 8), "HTTP/1.1") {
            minor = 1
        } else if HTTPSyntax.matches(b, start..<(start + 8), "HTTP/1.0") {
            minor = 0
        } else {
            return .failure(ResponseHeadError("unsupported HTTP version"))
        }
        var code = 0
        for k in (start + 9)..<(start + 12) {
            let c = b[k]
            guard c >= 0x30, c <= 0x39 else { return .failure(ResponseHeadError("malformed status code")) }
            code = code * 10 + Int(c - 0x30)
        }
        guard (100...599).contains(code) else { return .failure(ResponseHeadError("status code out of range")) }
        var reason = ""
        if line.count > 12 {
            guard b[start + 12] == HTTPSyntax.sp else { return .failure(ResponseHeadError("malformed status line")) }
            let reasonRange = (start + 13)..<line.upperBound
            if let failure = FieldLine.checkValue(b, reasonRange) { return .failure(ResponseHeadError(failure.message)) }
            reason = HTTPSyntax.string(b, reasonRange)
        }
        return .success(StatusLine(minorVersion: minor, code: code, reason: reason))
    }
}

extension StatusLine {
    /// Writes `HTTP/1.x status reason` and CRLF: the status line of every answer proxyd sends a client,
    /// relayed or its own. The client's version is echoed (an HTTP/1.0 client gets HTTP/1.0).
    static func write(minorVersion: Int, status: Int, reason: String? = nil, into out: inout IOBuffer) {
        out.append(minorVersion >= 1 ? "HTTP/1.1 " : "HTTP/1.0 ")
        out.append(String(status))
        out.append(" ")
        out.append(reason.flatMap { $0.isEmpty ? nil : $0 } ?? StatusText.reason(status))
        out.append("\r\n")
    }
}

/// Answers proxyd writes itself: `{"errorMessage":"…"}` errors and the service endpoints.
enum LocalResponse {
    /// `fields` writes more field lines (each with its CRLF), such as a refusal's limits.
    static func write(status: Int, json body: String, minorVersion: Int, keepAlive: Bool, retryAfter: String? = nil,
                      fields: ((inout IOBuffer) -> Void)? = nil, into out: inout IOBuffer) {
        StatusLine.write(minorVersion: minorVersion, status: status, into: &out)
        if let retryAfter {
            out.append("Retry-After: ")
            out.append(retryAfter)
            out.append("\r\n")
        }
        fields?(&out)
        out.append("Content-Type: application/json; charset=utf-8\r\nContent-Length: ")
        out.append(String(body.utf8.count))
        out.append(keepAlive ? (minorVersion >= 1 ? "\r\n\r\n" : "\r\nConnection: keep-alive\r\n\r\n")
                             : "\r\nConnection: close\r\n\r\n")
        out.append(body)
    }

    /// The interim answer to `Expect: 100-continue` (the parser sets that for HTTP/1.1 requests only).
    static func writeContinue(into out: inout IOBuffer) {
        out.append("HTTP/1.1 100 Continue\r\n\r\n")
    }

    static func errorBody(_ message: String) -> String {
        "{\"errorMessage\":\"\(jsonEscaped(message))\"}"
    }

    /// `text` as a JSON string, quotes included.
    static func jsonString(_ text: String) -> String {
        "\"" + jsonEscaped(text) + "\""
    }

    static func jsonEscaped(_ text: String) -> String {
        // Most text (every delta of an /imitate/v1 answer) needs no escape: returned as it is, with no copy.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            return text
        }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}

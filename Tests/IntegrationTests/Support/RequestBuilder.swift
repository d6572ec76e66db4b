/// Builds request bytes by hand so tests control every byte, including the wrong ones.
enum RequestBuilder {
    static let defaultAuthorization = ("Authorization", "Bearer itest-token")

    /// Adds `Host` (unless `host` is nil) and `Content-Length` for a body, unless the headers already frame it.
    static func build(_ method: String, _ target: String, host: String? = "127.0.0.1",
                      headers: [(String, String)] = [defaultAuthorization], body: [UInt8]? = nil) -> [UInt8] {
        var text = "\(method) \(target) HTTP/1.1\r\n"
        if let host { text += "Host: \(host)\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        let framed = headers.contains {
            ["content-length", "transfer-encoding"].contains($0.0.lowercased())
        }
        if let body, !framed { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        return Array(text.utf8) + (body ?? [])
    }

    /// Chunked framing of `body` in pieces of `chunkSize`, final chunk included.
    static func chunked(_ body: [UInt8], chunkSize: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + body.count / max(chunkSize, 1) * 12 + 8)
        var offset = 0
        while offset < body.count {
            let size = min(chunkSize, body.count - offset)
            out += Array("\(String(size, radix: 16))\r\n".utf8)
            out += body[offset..<(offset + size)]
            out += [13, 10]
            offset += size
        }
        out += Array("0\r\n\r\n".utf8)
        return out
    }
}

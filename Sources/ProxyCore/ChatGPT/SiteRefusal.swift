/// What a refusal of the site says, read the same way for a handshake step and for the conversation's
/// own answer: a short reason, and how long to wait before trying again.
enum SiteRefusal {
    /// A short, single-line reason: JSON `detail` (a string, or an object's `message`), Cloudflare's
    /// challenge page named as such, else the start of the text. Upstream text goes into logs and
    /// answers: at most 200 characters, no line breaks.
    static func detail(of body: [UInt8]) -> String? {
        let text: String
        if let json = JSONObjectReader.value(body) {
            guard let detail = json["detail"]?.string ?? json["detail"]?["message"]?.string
                ?? json["error"]?["message"]?.string else { return nil }
            text = detail
        } else {
            text = String(decoding: body.prefix(4096), as: UTF8.self)
            if text.contains("cf_chl_opt") || text.contains("Just a moment") {
                return "Cloudflare's challenge page (the site wants a browser check from this IP)"
            }
        }
        let line = text.prefix(200).map { $0.isNewline || $0 == "\t" ? " " : $0 }
        let trimmed = String(String(line).trimmingBlanks())
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The wait a 429 asks for, as a `Retry-After` value: the site's own field when it fits one (seconds
    /// or a date), else its body's `clears_in` seconds (top level or in `detail`), rounded up.
    static func retryAfter(fields: [HTTPField], body: [UInt8]) -> String? {
        if let value = fields.first(where: { $0.hasName("retry-after") })?.value,
           value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), !value.isEmpty {
            return value
        }
        guard let json = JSONObjectReader.value(body),
              let seconds = (json["clears_in"] ?? json["detail"]?["clears_in"])?.number,
              seconds.isFinite, seconds >= 0, seconds < 1e9 else { return nil }
        return String(Int(seconds.rounded(.up)))
    }
}

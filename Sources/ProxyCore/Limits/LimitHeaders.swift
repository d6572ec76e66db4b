/// The fields proxyd's limits add to an answer, written as field lines (each with its CRLF) into a head being
/// written, as `LocalResponse` writes its answers: names are literals and numbers are written digit by digit, so
/// nothing is allocated.
///
/// A refusal (the 429 `LocalResponse` writes):
///
///     Retry-After: 1                              seconds, rounded up (RFC 9110); absent when no wait is known
///     retry-after-ms: 850                         the same wait in milliseconds, as the OpenAI SDKs read it
///     x-should-retry: false                       when waiting cannot help: a day's quota used up, failed key checks
///     x-proxyd-ratelimit-limit-requests: 60       the refusing limit, with nothing remaining
///     x-proxyd-ratelimit-remaining-requests: 0
///     x-proxyd-ratelimit-reset-requests: 10.85s   until back to full
///
/// An admitted request's response head, before the first byte of its body, for each limit the key has:
///
///     x-proxyd-ratelimit-limit-requests: 60           requests a minute
///     x-proxyd-ratelimit-remaining-requests: 10       requests admitted at once from now
///     x-proxyd-ratelimit-reset-requests: 1s           until the whole burst is back
///     x-proxyd-ratelimit-limit-streams: 4             concurrent streams
///     x-proxyd-ratelimit-remaining-streams: 3         streams still free
///     x-proxyd-ratelimit-limit-requests-day: 1000     requests a UTC day
///     x-proxyd-ratelimit-remaining-requests-day: 999
///     x-proxyd-ratelimit-reset-requests-day: 6h0m0s   until the next UTC midnight
///
/// Durations are written as the upstream's own `x-ratelimit-reset-*` are (Go's: `120ms`, `1.5s`, `6m0s`,
/// `1h2m3.004s`), in whole milliseconds rounded up. The upstream's `x-ratelimit-*` fields pass untouched.
package enum LimitHeaders {
    package static func write(_ refusal: LimitRefusal, into out: inout IOBuffer) {
        if let wait = refusal.retryAfterMillis {
            out.append("Retry-After: ")
            out.appendDecimal((wait + 999) / 1000)
            out.append("\r\nretry-after-ms: ")
            out.appendDecimal(wait)
            out.append("\r\n")
        }
        if !refusal.shouldRetry { out.append("x-should-retry: false\r\n") }
        if let suffix = refusal.kind.fieldSuffix {
            write(LimitCount(limit: refusal.limit, remaining: 0, resetMillis: refusal.resetMillis), suffix, into: &out)
        }
    }

    package static func write(_ status: LimitStatus, into out: inout IOBuffer) {
        if let requests = status.requests { write(requests, "requests", into: &out) }
        if let streams = status.streams { write(streams, "streams", into: &out) }
        if let perDay = status.requestsPerDay { write(perDay, "requests-day", into: &out) }
    }

    private static func write(_ count: LimitCount, _ suffix: String, into out: inout IOBuffer) {
        out.append("x-proxyd-ratelimit-limit-")
        out.append(suffix)
        out.append(": ")
        out.appendDecimal(Int64(count.limit))
        out.append("\r\nx-proxyd-ratelimit-remaining-")
        out.append(suffix)
        out.append(": ")
        out.appendDecimal(Int64(count.remaining))
        out.append("\r\n")
        if let reset = count.resetMillis {
            out.append("x-proxyd-ratelimit-reset-")
            out.append(suffix)
            out.append(": ")
            appendDuration(reset, into: &out)
            out.append("\r\n")
        }
    }

    /// Milliseconds as Go's `time.Duration` prints them, the form of OpenAI's `x-ratelimit-reset-*`.
    private static func appendDuration(_ millis: Int64, into out: inout IOBuffer) {
        guard millis >= 1000 else {
            out.appendDecimal(millis)
            out.append(millis == 0 ? "s" : "ms")
            return
        }
        let hours = millis / 3_600_000, minutes = millis / 60_000 % 60
        if hours > 0 {
            out.appendDecimal(hours)
            out.append(byte: UInt8(ascii: "h"))
        }
        if millis >= 60_000 {
            out.appendDecimal(minutes)
            out.append(byte: UInt8(ascii: "m"))
        }
        out.appendDecimal(millis / 1000 % 60)
        var fraction = millis % 1000, width = 3
        if fraction > 0 {
            while fraction % 10 == 0 {
                fraction /= 10
                width -= 1
            }
            out.append(byte: UInt8(ascii: "."))
            out.appendDecimal(fraction, width: width)
        }
        out.append(byte: UInt8(ascii: "s"))
    }
}

extension IOBuffer {
    /// `value` (not negative) in decimal, zero-padded to `width` digits, written in place.
    fileprivate mutating func appendDecimal(_ value: Int64, width: Int = 1) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        digits = max(digits, width)
        let space = writableSpace(minimum: digits).bindMemory(to: UInt8.self)
        rest = value
        for index in stride(from: digits - 1, through: 0, by: -1) {
            space[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        didWrite(digits)
    }
}

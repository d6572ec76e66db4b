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
            out.append(static: "Retry-After: ")
            out.appendDecimal((wait + 999) / 1000)
            out.append(static: "\r\nretry-after-ms: ")
            out.appendDecimal(wait)
            out.append(static: "\r\n")
        }
        if !refusal.shouldRetry { out.append(static: "x-should-retry: false\r\n") }
        if let names = FieldNames(refusal.kind) {
            write(LimitCount(limit: refusal.limit, remaining: 0, resetMillis: refusal.resetMillis), names, into: &out)
        }
    }

    package static func write(_ status: LimitStatus, into out: inout IOBuffer) {
        if let requests = status.requests { write(requests, .requests, into: &out) }
        if let streams = status.streams { write(streams, .streams, into: &out) }
        if let perDay = status.requestsPerDay { write(perDay, .requestsPerDay, into: &out) }
    }

    /// One limit's three names whole, each with the separators around it, so a field is two copies and a number.
    private struct FieldNames {
        static let requests = FieldNames(
            limit: "x-proxyd-ratelimit-limit-requests: ", remaining: "\r\nx-proxyd-ratelimit-remaining-requests: ",
            reset: "\r\nx-proxyd-ratelimit-reset-requests: ")
        static let streams = FieldNames(
            limit: "x-proxyd-ratelimit-limit-streams: ", remaining: "\r\nx-proxyd-ratelimit-remaining-streams: ",
            reset: nil)
        static let requestsPerDay = FieldNames(
            limit: "x-proxyd-ratelimit-limit-requests-day: ",
            remaining: "\r\nx-proxyd-ratelimit-remaining-requests-day: ",
            reset: "\r\nx-proxyd-ratelimit-reset-requests-day: ")

        let limit: StaticString
        let remaining: StaticString
        /// nil: the limit has no reset time (streams free as streams end).
        let reset: StaticString?

        private init(limit: StaticString, remaining: StaticString, reset: StaticString?) {
            self.limit = limit
            self.remaining = remaining
            self.reset = reset
        }

        /// nil: not a key's limit (failed key checks), no such fields.
        init?(_ kind: LimitKind) {
            switch kind {
            case .requests: self = .requests
            case .streams: self = .streams
            case .requestsPerDay: self = .requestsPerDay
            case .failedKeyChecks: return nil
            }
        }
    }

    private static func write(_ count: LimitCount, _ names: FieldNames, into out: inout IOBuffer) {
        out.append(static: names.limit)
        out.appendDecimal(Int64(count.limit))
        out.append(static: names.remaining)
        out.appendDecimal(Int64(count.remaining))
        if let reset = count.resetMillis, let name = names.reset {
            out.append(static: name)
            appendDuration(reset, into: &out)
        }
        out.append(static: "\r\n")
    }

    /// Milliseconds as Go's `time.Duration` prints them, the form of OpenAI's `x-ratelimit-reset-*`.
    private static func appendDuration(_ millis: Int64, into out: inout IOBuffer) {
        guard millis >= 1000 else {
            out.appendDecimal(millis)
            out.append(static: millis == 0 ? "s" : "ms")
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
    /// A literal's bytes, copied straight from the binary (an append of a String goes through its UTF-8 view).
    fileprivate mutating func append(static text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// `value` (not negative) in decimal, zero-padded to `width` digits, written in place.
    fileprivate mutating func appendDecimal(_ value: Int64, width: Int = 1) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        digits = max(digits, width)
        let space = writableSpace(minimum: digits)
        rest = value
        var index = digits
        while index > 0 {
            index -= 1
            space[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        }
        didWrite(digits)
    }
}

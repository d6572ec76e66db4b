/// The cookie-date algorithm of RFC 6265 section 5.1.1: the forgiving parse browsers apply to `Expires`.
enum CookieDate {
    /// Seconds since the Unix epoch, or nil when the text is not a valid cookie date.
    static func parse(_ text: Substring) -> Int64? {
        var time: (Int64, Int64, Int64)?
        var day: Int64?
        var month: Int64?
        var year: Int64?
        for token in text.utf8.split(whereSeparator: isDelimiter) {
            let token = Array(token)
            if time == nil, let t = parseTime(token) {
                time = t
            } else if day == nil, let d = leadingNumber(token, minDigits: 1, maxDigits: 2) {
                day = d
            } else if month == nil, let m = parseMonth(token) {
                month = m
            } else if year == nil, let y = leadingNumber(token, minDigits: 2, maxDigits: 4) {
                year = y
            }
        }
        guard let (hour, minute, second) = time, let day, let month, var year else { return nil }
        if (70...99).contains(year) { year += 1900 } else if (0...69).contains(year) { year += 2000 }
        guard (1...31).contains(day), year >= 1601, hour <= 23, minute <= 59, second <= 59 else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    private static func isDelimiter(_ byte: UInt8) -> Bool {
        byte == 0x09 || (0x20...0x2F).contains(byte) || (0x3B...0x40).contains(byte)
            || (0x5B...0x60).contains(byte) || (0x7B...0x7E).contains(byte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// `minDigits...maxDigits` digits, optionally followed by non-digits (RFC 6265's `*OCTET`).
    private static func leadingNumber(_ token: ArraySlice<UInt8>, minDigits: Int, maxDigits: Int) -> Int64? {
        let digits = token.prefix(while: isDigit)
        guard (minDigits...maxDigits).contains(digits.count) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int64($1 - 0x30) }
    }

    private static func leadingNumber(_ token: [UInt8], minDigits: Int, maxDigits: Int) -> Int64? {
        leadingNumber(token[...], minDigits: minDigits, maxDigits: maxDigits)
    }

    /// `h[h]:m[m]:s[s]`, anything after the seconds' digits ignored.
    private static func parseTime(_ token: [UInt8]) -> (Int64, Int64, Int64)? {
        let parts = token.split(separator: UInt8(ascii: ":"), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].allSatisfy(isDigit), parts[1].allSatisfy(isDigit),
              let hour = leadingNumber(parts[0], minDigits: 1, maxDigits: 2),
              let minute = leadingNumber(parts[1], minDigits: 1, maxDigits: 2),
              let second = leadingNumber(parts[2], minDigits: 1, maxDigits: 2) else { return nil }
        return (hour, minute, second)
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func parseMonth(_ token: [UInt8]) -> Int64? {
        guard token.count >= 3 else { return nil }
        let prefix = String(decoding: token.prefix(3).map { $0 | 0x20 }, as: UTF8.self)
        return months.firstIndex(of: prefix).map { Int64($0) + 1 }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (the well-known era-based formula).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

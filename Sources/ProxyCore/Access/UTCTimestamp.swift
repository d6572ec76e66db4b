import Glibc

/// Instants in UTC to the second, written as RFC 3339 `2027-01-31T00:00:00Z`: the keys file's `created` and
/// `expires`. Only this one form is read, so a file never holds a time whose zone a reader has to guess.
package enum UTCTimestamp {
    /// Seconds since the Unix epoch; nil for any other form, an impossible date (`02-30`) or a year before 1970.
    package static func parse(_ text: some StringProtocol) -> Int64? {
        let bytes = Array(text.utf8)
        let shape = Array("dddd-dd-ddTdd:dd:ddZ".utf8)
        guard bytes.count == shape.count, zip(bytes, shape).allSatisfy({ byte, expected in
            expected == UInt8(ascii: "d") ? (0x30...0x39).contains(byte) : byte == expected
        }) else { return nil }
        func number(_ start: Int, _ count: Int) -> Int64 {
            bytes[start..<(start + count)].reduce(0) { $0 * 10 + Int64($1 - 0x30) }
        }
        let (year, month, day) = (number(0, 4), number(5, 2), number(8, 2))
        let (hour, minute, second) = (number(11, 2), number(14, 2), number(17, 2))
        guard year >= 1970, (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 59
        else { return nil }
        let days = CookieDate.daysFromCivil(year: year, month: month, day: day)
        // A day past the month's end rolls into the next month; reading the date back shows it.
        guard BrowserClock.civilDate(daysSinceEpoch: days) == (Int(year), Int(month), Int(day)) else { return nil }
        return days * 86_400 + hour * 3600 + minute * 60 + second
    }

    /// The text of an instant from 1970 on, as `parse` reads it.
    package static func text(_ seconds: Int64) -> String {
        let days = seconds / 86_400
        let second = seconds - days * 86_400
        let (year, month, day) = BrowserClock.civilDate(daysSinceEpoch: days)
        func pad(_ n: Int64, _ width: Int) -> String {
            String(repeating: "0", count: max(width - String(n).count, 0)) + String(n)
        }
        return "\(pad(Int64(year), 4))-\(pad(Int64(month), 2))-\(pad(Int64(day), 2))T"
            + "\(pad(second / 3600, 2)):\(pad(second / 60 % 60, 2)):\(pad(second % 60, 2))Z"
    }

    package static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec)
    }
}

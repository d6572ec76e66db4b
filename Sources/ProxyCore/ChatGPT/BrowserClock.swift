import Glibc

/// The wall clock as a page's script reads it: `Date.now()` and `String(new Date())`, without Foundation.
enum BrowserClock {
    /// Milliseconds since the epoch, with the sub-millisecond part `performance.timeOrigin` has.
    static func epochMilliseconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec / 1000) / 1000
    }

    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Tue Dec 01 2026 10:04:05 GMT+0000 (Coordinated Universal Time)` in `ChatGPTSite`'s time zone.
    static func dateText(epochSeconds: Int64) -> String {
        let offset = ChatGPTSite.timeZoneOffsetMinutes
        let local = epochSeconds + Int64(offset) * 60
        let days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        let secondOfDay = local - days * 86400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        let weekday = weekdays[Int(((days % 7) + 7) % 7)]
        let sign = offset < 0 ? "-" : "+"
        let zone = sign + pad(abs(offset) / 60) + pad(abs(offset) % 60)
        return "\(weekday) \(months[month - 1]) \(pad(day)) \(year) \(pad(Int(secondOfDay / 3600))):"
            + "\(pad(Int(secondOfDay / 60 % 60))):\(pad(Int(secondOfDay % 60))) GMT\(zone) (\(ChatGPTSite.timeZoneLongName))"
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Year, month (1–12) and day of a day count from 1970-01-01 in the proleptic Gregorian calendar
    /// (H. Hinnant's days-to-civil algorithm: eras of 400 years starting in March).
    static func civilDate(daysSinceEpoch: Int64) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0)), Int(month), Int(day))
    }
}

import Glibc

/// Line-oriented logging to stderr, which systemd's journal captures. One write(2) per line, so
/// lines from different workers never interleave. Never pass tokens, cookies or bodies here.
package enum Log {
    /// Set once at startup, before any worker thread starts.
    nonisolated(unsafe) package static var level: LogLevel = .info
    nonisolated(unsafe) package static var format: LogFormat = .text

    @inline(__always)
    package static func enabled(_ l: LogLevel) -> Bool { l <= level }

    package static func error(_ message: @autoclosure () -> String) { emit(.error, message) }
    package static func warning(_ message: @autoclosure () -> String) { emit(.warning, message) }
    package static func info(_ message: @autoclosure () -> String) { emit(.info, message) }
    package static func debug(_ message: @autoclosure () -> String) { emit(.debug, message) }

    /// An info line with fields of its own: in JSON each is a member (`text`: a JSON string, `number`: as
    /// it is); as text, `message` alone, which already says what the fields do.
    package static func info(_ message: @autoclosure () -> String, fields: () -> [(String, Field)]) {
        guard enabled(.info) else { return }
        guard format == .json else { return write("proxyd[info] \(message())\n") }
        write(jsonLine(.info, message(), fields()))
    }

    package enum Field {
        case text(String)
        case number(Int)
    }

    private static func emit(_ l: LogLevel, _ message: () -> String) {
        guard enabled(l) else { return }
        write(format == .json ? jsonLine(l, message(), []) : "proxyd[\(l.rawValue)] \(message())\n")
    }

    static func jsonLine(_ l: LogLevel, _ message: String, _ fields: [(String, Field)]) -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        let stamp = UTCTimestamp.text(Int64(time.tv_sec))
        let milliseconds = String(1000 + time.tv_nsec / 1_000_000).dropFirst()
        var line = "{\"time\":\"\(stamp.dropLast()).\(milliseconds)Z\",\"level\":\"\(l.rawValue)\",\"msg\":"
            + LocalResponse.jsonString(message)
        for (name, value) in fields {
            switch value {
            case .text(let text): line += ",\"\(name)\":" + LocalResponse.jsonString(text)
            case .number(let number): line += ",\"\(name)\":\(number)"
            }
        }
        return line + "}\n"
    }

    private static func write(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            _ = Glibc.write(2, bytes.baseAddress, bytes.count)
        }
    }
}

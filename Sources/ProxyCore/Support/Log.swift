import Glibc

/// Line-oriented logging to stderr, which systemd's journal captures. One write(2) per line, so
/// lines from different workers never interleave. Never pass tokens, cookies or bodies here.
package enum Log {
    /// Set once at startup, before any worker thread starts.
    nonisolated(unsafe) package static var level: LogLevel = .info

    @inline(__always)
    package static func enabled(_ l: LogLevel) -> Bool { l <= level }

    package static func error(_ message: @autoclosure () -> String) { emit(.error, message) }
    package static func warning(_ message: @autoclosure () -> String) { emit(.warning, message) }
    package static func info(_ message: @autoclosure () -> String) { emit(.info, message) }
    package static func debug(_ message: @autoclosure () -> String) { emit(.debug, message) }

    private static func emit(_ l: LogLevel, _ message: () -> String) {
        guard enabled(l) else { return }
        var line = "proxyd[\(l.rawValue)] \(message())\n"
        line.withUTF8 { bytes in
            _ = write(2, bytes.baseAddress, bytes.count)
        }
    }
}

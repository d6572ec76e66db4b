import Glibc

/// Line-oriented logging to stderr, which systemd's journal captures. One write(2) per line, so
/// lines from different workers never interleave. Never pass tokens, cookies or bodies here.
public enum Log {
    /// Set once at startup, before any worker thread starts.
    nonisolated(unsafe) public static var level: LogLevel = .info

    @inline(__always)
    public static func enabled(_ l: LogLevel) -> Bool { l <= level }

    public static func error(_ message: @autoclosure () -> String) { emit(.error, message) }
    public static func warning(_ message: @autoclosure () -> String) { emit(.warning, message) }
    public static func info(_ message: @autoclosure () -> String) { emit(.info, message) }
    public static func debug(_ message: @autoclosure () -> String) { emit(.debug, message) }

    private static func emit(_ l: LogLevel, _ message: () -> String) {
        guard enabled(l) else { return }
        var line = "proxyd[\(l.rawValue)] \(message())\n"
        line.withUTF8 { bytes in
            _ = write(2, bytes.baseAddress, bytes.count)
        }
    }
}

/// The browser or library whose TLS, HTTP/2 and header fingerprint upstream requests carry.
public enum TLSProfileName: String, CaseIterable, Sendable {
    case chrome, firefox, safari, edge, okhttp, openssl
}

/// Comparable by severity, so `message <= configured` means "log it".
public enum LogLevel: String, CaseIterable, Comparable, Sendable {
    case error, warning, info, debug

    private var rank: Int {
        switch self {
        case .error: return 0
        case .warning: return 1
        case .info: return 2
        case .debug: return 3
        }
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rank < b.rank }
}

import Glibc

/// PROXYD_ACCESS_LOG: one info line per answered request (client, method, path without query, status,
/// milliseconds), as the original's gin log had.
struct AccessLogLine {
    private let enabled: Bool
    /// The client's address, looked up once per connection when the log is on.
    private var peer = ""
    /// When the current request's head arrived (loop milliseconds).
    private var started: UInt64 = 0

    init(enabled: Bool, fd: Int32) {
        self.enabled = enabled
        if enabled { peer = Self.peerText(fd) }
    }

    mutating func requestStarted(now: UInt64) {
        started = now
    }

    /// The line for `request`, answered `status`; `outcome` says how it ended if not normally (" cut").
    func log(_ request: RequestHead?, status: Int, now: UInt64, outcome: String = "") {
        guard enabled else { return }
        let line = request.map { "\"\($0.method) \(pathOnly($0.target))\"" } ?? "\"-\""
        let milliseconds = Int(now &- started)
        Log.info("access \(peer) \(line) \(status) \(milliseconds) ms\(outcome)") {
            var fields: [(String, Log.Field)] = [("client", .text(peer))]
            if let request {
                fields += [("method", .text(request.method)), ("path", .text(String(pathOnly(request.target))))]
            }
            fields += [("status", .number(status)), ("duration_ms", .number(milliseconds))]
            if !outcome.isEmpty { fields.append(("outcome", .text(String(outcome.drop { $0 == " " })))) }
            return fields
        }
    }

    private static func peerText(_ fd: Int32) -> String {
        SocketAddress.peer(of: fd)?.description ?? "-"
    }
}

/// A request target without its query, which may carry what a log must not show.
func pathOnly(_ target: String) -> Substring {
    target.prefix { $0 != "?" }
}

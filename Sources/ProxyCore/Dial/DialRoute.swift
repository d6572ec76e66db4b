/// How a connection reaches its origin: directly, or through one configured upstream proxy
/// (an index into `Configuration.upstreamProxies`, cheap to hash in the pool's keys).
enum DialRoute: Hashable {
    case direct
    case proxy(Int)

    /// TLS sessions are kept apart per route: a ticket offered through two egress addresses would tell
    /// the server they are one client.
    var sessionScope: UInt32 {
        switch self {
        case .direct: return 0
        case .proxy(let index): return UInt32(truncatingIfNeeded: index + 1)
        }
    }
}

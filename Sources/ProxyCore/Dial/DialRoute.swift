/// How a connection reaches its origin: directly, or through one configured upstream proxy
/// (an index into `Configuration.upstreamProxies`, cheap to hash in the pool's keys).
enum DialRoute: Hashable {
    case direct
    case proxy(Int)
}

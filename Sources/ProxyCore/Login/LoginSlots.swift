/// The per-worker bound on logins in progress (`PROXYD_MAX_LOGINS_PER_WORKER`): a login holds many
/// upstream requests for seconds, so unbounded logins could starve the proxied routes. Loop-confined.
public final class LoginSlots {
    public static let exhausted = ProxyError(503, "too many logins in progress")

    public let limit: Int
    public private(set) var inUse = 0

    public init(limit: Int) { self.limit = limit }

    /// False when all slots are taken: answer `exhausted`. Every true is paired with one `release`.
    public func acquire() -> Bool {
        guard inUse < limit else { return false }
        inUse += 1
        return true
    }

    public func release() {
        if inUse > 0 { inUse -= 1 }
    }
}

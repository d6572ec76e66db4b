/// The per-worker bound on logins in progress (`PROXYD_MAX_LOGINS_PER_WORKER`): a login holds many
/// upstream requests for seconds, so unbounded logins could starve the proxied routes. Loop-confined.
package final class LoginSlots {
    package static let exhausted = ProxyError(503, "too many logins in progress")

    package let limit: Int
    package private(set) var inUse = 0

    package init(limit: Int) { self.limit = limit }

    /// False when all slots are taken: answer `exhausted`. Every true is paired with one `release`.
    package func acquire() -> Bool {
        guard inUse < limit else { return false }
        inUse += 1
        return true
    }

    package func release() {
        if inUse > 0 { inUse -= 1 }
    }
}

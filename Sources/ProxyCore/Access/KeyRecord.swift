/// The groups of routes a key may be limited to (`routes` in the keys file).
package enum RouteGroup: String, CaseIterable, Sendable {
    case chatgpt, platform, imitate, login
}

/// A set of route groups as bits, so that a request's check is one AND.
package struct RouteGroups: OptionSet, Equatable, Sendable {
    package let rawValue: UInt8

    package init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    package init(_ group: RouteGroup) {
        rawValue = 1 << UInt8(RouteGroup.allCases.firstIndex(of: group)!)
    }

    package static let all = RouteGroups(RouteGroup.allCases.map(RouteGroups.init))

    package var names: [String] {
        RouteGroup.allCases.filter { contains(RouteGroups($0)) }.map(\.rawValue)
    }
}

/// Requests per minute, and how many may come at once.
package struct RequestRate: Equatable, Sendable {
    package var perMinute: Int
    package var burst: Int

    package init(perMinute: Int, burst: Int) {
        (self.perMinute, self.burst) = (perMinute, burst)
    }
}

/// What one key may use; nil is unlimited.
package struct KeyLimits: Equatable, Sendable {
    package var rate: RequestRate?
    package var concurrentStreams: Int?
    package var requestsPerDay: Int?

    package init(rate: RequestRate? = nil, concurrentStreams: Int? = nil, requestsPerDay: Int? = nil) {
        (self.rate, self.concurrentStreams, self.requestsPerDay) = (rate, concurrentStreams, requestsPerDay)
    }
}

package enum KeyStatus: String, Sendable {
    case active, disabled, expired
}

/// One key of the keys file: everything proxyd knows of it, and never the key itself, only its digest.
package struct KeyRecord: Equatable, Sendable {
    /// Short and generated (`k_` and 8 base62 digits), safe in logs and metric labels.
    package var id: String
    /// The operator's name for the key's holder; unique in the file, since logs and metrics show it.
    package var name: String
    package var digest: KeyDigest
    package var limits: KeyLimits
    /// `.all` when the file names none.
    package var routes: RouteGroups
    /// Nil: any client address.
    package var cidrs: [CIDRBlock]?
    /// Seconds since the epoch; nil: never.
    package var expires: Int64?
    package var disabled: Bool
    package var created: Int64

    /// Disabled wins over expired: revoking says more than running out.
    package func status(at now: Int64) -> KeyStatus {
        if disabled { return .disabled }
        if let expires, now >= expires { return .expired }
        return .active
    }

    package func allows(_ group: RouteGroup) -> Bool {
        routes.contains(RouteGroups(group))
    }

    package func allows(_ peer: PeerAddress) -> Bool {
        cidrs?.contains { $0.contains(peer) } ?? true
    }

    package static func newID() -> String {
        "k_" + String(decoding: Base62.random(count: 8), as: UTF8.self)
    }
}

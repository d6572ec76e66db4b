package enum KeyStatus: String, Sendable {
    case active, disabled, expired
}

/// One key of the keys file: everything proxyd knows of it, and never the key itself, only its digest.
package struct KeyRecord: Equatable, Sendable {
    /// What one key may use, as its line gives it; nil is unlimited. The limiter's own type and bounds
    /// (Limits/), so a line that loads is one it enforces.
    package typealias Limits = KeyLimits

    /// The groups of routes a key may use, as bits, so that a request's check is one AND.
    package struct Routes: OptionSet, Equatable, Sendable {
        package let rawValue: UInt8

        package init(rawValue: UInt8) {
            self.rawValue = rawValue
        }

        package static let chatgpt = Routes(rawValue: 1)
        package static let platform = Routes(rawValue: 2)
        package static let imitate = Routes(rawValue: 4)
        package static let login = Routes(rawValue: 8)
        package static let all: Routes = [.chatgpt, .platform, .imitate, .login]

        /// As the keys file and `proxyd keys` spell them, in this order.
        package static let named: [(name: String, routes: Routes)] = [
            ("chatgpt", .chatgpt), ("platform", .platform), ("imitate", .imitate), ("login", .login),
        ]

        package var names: [String] {
            Self.named.filter { contains($0.routes) }.map(\.name)
        }
    }

    /// Short and generated (`k_` and 8 base62 digits), safe in logs and metric labels.
    package var id: String
    /// The operator's name for the key's holder; unique in the file, since logs and metrics show it.
    package var name: String
    package var digest: KeyDigest
    package var limits: Limits
    /// `.all` when the file names none.
    package var routes: Routes
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

    package func allows(_ peer: ClientAddress) -> Bool {
        cidrs?.contains { $0.contains(peer) } ?? true
    }

    package static func newID() -> String {
        "k_" + String(decoding: Base62.random(count: 8), as: UTF8.self)
    }
}

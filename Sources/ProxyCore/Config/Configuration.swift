#if canImport(Glibc)
import Glibc
#endif

/// Every setting of proxyd, parsed and validated; see `Configuration.settings` for names and defaults.
package struct Configuration: Sendable {
    package static let maxWorkers = 256
    package static let maxLoginsPerWorker = 100_000

    package var listenHost: String
    package var listenPort: UInt16
    /// The admin listener's address (/metrics, /healthz, /readyz); nil: `off`.
    package var adminListen: (host: String, port: UInt16)?
    /// Empty for direct connections; several are tried in order.
    package var upstreamProxies: [UpstreamProxy]
    package var proxyPolicy: ProxyPolicy
    package var chatgpt: UpstreamOrigin
    package var platform: UpstreamOrigin
    package var auth: UpstreamOrigin
    package var platformWeb: UpstreamOrigin
    package var tlsProfile: TLSProfileName
    /// Extra trusted CAs (PEM), checked readable at load time.
    package var caFile: String?
    package var resolve: [ResolveOverride]
    /// Empty means the servers of /etc/resolv.conf.
    package var dnsServers: [DNSServer]
    package var dnsTimeoutMs: UInt64
    /// Bounds on how long a positive DNS answer is cached, whatever TTL the server gave.
    package var dnsMinTTLMs: UInt64
    package var dnsMaxTTLMs: UInt64
    /// How long NXDOMAIN and NODATA are cached.
    package var dnsNegativeTTLMs: UInt64
    package var workers: Int
    package var maxBodyBytes: UInt64
    package var headerTimeoutMs: UInt64
    package var idleTimeoutMs: UInt64
    package var connectTimeoutMs: UInt64
    package var proxyTimeoutMs: UInt64
    package var tlsTimeoutMs: UInt64
    package var upstreamTimeoutMs: UInt64
    package var upstreamPingAfterMs: UInt64
    package var upstreamIdleCloseMs: UInt64
    package var logLevel: LogLevel
    package var logFormat: LogFormat
    package var loginTimeoutMs: UInt64
    package var maxLoginsPerWorker: Int
    /// Per worker; nil: derived from the open-file limit (`OverloadBounds`).
    package var maxConnections: Int?
    package var maxStreams: Int?
    package var drainTimeoutMs: UInt64
    package var accessLog: Bool
    package var sentinel: SentinelMode
    /// Lowercase hex, as configured, for messages.
    package var powMaxDifficulty: String
    /// The expected tries of `powMaxDifficulty`: a difficulty with more is refused.
    package var powMaxExpectedTries: Double
    package var powMaxSolves: Int
    package var chatgptBuildNumber: String
    package var chatgptMaxAccounts: Int
    package var chatgptAccountIdleMs: UInt64
    /// Continuation turns an /imitate/v1 answer may take after the site's own `max_tokens` finish.
    package var imitateContinue: Int
    /// /imitate/v1 turns keep history and training on (`PROXYD_IMITATE_HISTORY=on`).
    package var imitateHistory: Bool
    /// The o200k_base vocabulary file; nil: `off`.
    package var tokenizerPath: String?
    /// The access keys of `PROXYD_KEYS_FILE`; nil when none is set.
    package var keys: KeyTable?
    package var limitsMode: LimitsMode

    /// Builds the configuration from values keyed by environment name (aliases included); absent or blank
    /// values take the default. Throws the first bad value found, or an unknown `PROXYD_` name (a typo).
    package static func load(_ values: [String: String]) throws -> Configuration {
        let reader = SettingReader(values: values)
        try reader.rejectUnknownNames()
        let listen = try reader.listenAddress()
        let dnsTTL = try reader.dnsTTLBounds()
        let powDifficulty = try reader.withDefault(.powMaxDifficulty, expected: "1 to 16 hex digits") { text in
            ProofSearch.expectedTries(text).map { (text: text.lowercased(), expectedTries: $0) }
        }
        return Configuration(
            listenHost: listen.host,
            listenPort: listen.port,
            adminListen: try reader.adminAddress(),
            upstreamProxies: try reader.given(.upstreamProxy).map { try UpstreamProxy.parseList($0.text, setting: $0.name) } ?? [],
            proxyPolicy: try reader.withDefault(.proxyPolicy, expected: "one of \(names(ProxyPolicy.self))") {
                ProxyPolicy(rawValue: $0.lowercased())
            },
            chatgpt: try reader.origin(.chatgptURL),
            platform: try reader.origin(.platformURL),
            auth: try reader.origin(.authURL),
            platformWeb: try reader.origin(.platformWebURL),
            tlsProfile: try reader.withDefault(.tlsProfile, expected: "one of \(names(TLSProfileName.self))") {
                TLSProfileName(rawValue: $0.lowercased())
            },
            caFile: try reader.given(.caFile).map { try readableFile($0.text, setting: $0.name) },
            resolve: try reader.given(.resolve).map { try ResolveOverride.parseList($0.text, setting: $0.name) } ?? [],
            dnsServers: try reader.given(.dnsServers).map { try DNSServer.parseList($0.text, setting: $0.name) } ?? [],
            dnsTimeoutMs: try reader.milliseconds(.dnsTimeout),
            dnsMinTTLMs: dnsTTL.min,
            dnsMaxTTLMs: dnsTTL.max,
            dnsNegativeTTLMs: try reader.milliseconds(.dnsNegativeTTL),
            workers: try reader.given(.workers).map { given in
                guard let n = wholeNumber(given.text).flatMap({ Int(exactly: $0) }), (1...maxWorkers).contains(n) else {
                    throw ConfigurationError(given.name, expected: "a whole number from 1 to \(maxWorkers)", got: given.text)
                }
                return n
            } ?? onlineCPUs(),
            maxBodyBytes: try reader.withDefault(.maxBodyBytes, expected: "a whole number of bytes", wholeNumber),
            headerTimeoutMs: try reader.milliseconds(.headerTimeout),
            idleTimeoutMs: try reader.milliseconds(.idleTimeout),
            connectTimeoutMs: try reader.milliseconds(.connectTimeout),
            proxyTimeoutMs: try reader.milliseconds(.proxyTimeout),
            tlsTimeoutMs: try reader.milliseconds(.tlsTimeout),
            upstreamTimeoutMs: try reader.milliseconds(.upstreamTimeout),
            upstreamPingAfterMs: try reader.milliseconds(.upstreamPingAfter),
            upstreamIdleCloseMs: try reader.milliseconds(.upstreamIdleClose),
            logLevel: try reader.withDefault(.logLevel, expected: "one of \(names(LogLevel.self))") {
                LogLevel(rawValue: $0.lowercased())
            },
            logFormat: try reader.withDefault(.logFormat, expected: "one of \(names(LogFormat.self))") {
                LogFormat(rawValue: $0.lowercased())
            },
            loginTimeoutMs: try reader.milliseconds(.loginTimeout),
            maxLoginsPerWorker: try reader.withDefault(.maxLoginsPerWorker, expected: "a whole number from 1 to \(maxLoginsPerWorker)") {
                wholeNumber($0).flatMap { Int(exactly: $0) }.flatMap { (1...maxLoginsPerWorker).contains($0) ? $0 : nil }
            },
            maxConnections: try reader.withDefault(.maxConnections, expected: "auto or a whole number from 1") { autoOrCount($0) },
            maxStreams: try reader.withDefault(.maxStreams, expected: "auto or a whole number from 1") { autoOrCount($0) },
            drainTimeoutMs: try reader.milliseconds(.drainTimeout),
            accessLog: try reader.withDefault(.accessLog, expected: "one of \(names(Switch.self))") {
                Switch(rawValue: $0.lowercased())
            } == .on,
            sentinel: try reader.withDefault(.chatgptSentinel, expected: "one of \(names(SentinelMode.self))") {
                SentinelMode(rawValue: $0.lowercased())
            },
            powMaxDifficulty: powDifficulty.text,
            powMaxExpectedTries: powDifficulty.expectedTries,
            powMaxSolves: try reader.withDefault(.powMaxSolves, expected: "a whole number from 1 to 1024") {
                wholeNumber($0).flatMap { Int(exactly: $0) }.flatMap { (1...1024).contains($0) ? $0 : nil }
            },
            chatgptBuildNumber: try reader.withDefault(.chatgptBuildNumber, expected: "a whole number") {
                wholeNumber($0) != nil ? $0 : nil
            },
            chatgptMaxAccounts: try reader.withDefault(.chatgptMaxAccounts, expected: "a whole number from 1 to 100000") {
                wholeNumber($0).flatMap { Int(exactly: $0) }.flatMap { (1...100_000).contains($0) ? $0 : nil }
            },
            chatgptAccountIdleMs: try reader.milliseconds(.chatgptAccountIdle),
            imitateContinue: try reader.withDefault(.imitateContinue, expected: "a whole number from 0 to 10") {
                wholeNumber($0).flatMap { Int(exactly: $0) }.flatMap { (0...10).contains($0) ? $0 : nil }
            },
            imitateHistory: try reader.withDefault(.imitateHistory, expected: "one of \(names(Switch.self))") {
                Switch(rawValue: $0.lowercased())
            } == .on,
            tokenizerPath: try reader.withDefault(.tokenizer, expected: "an absolute path or off") { (text: String) -> String?? in
                text.lowercased() == "off" ? .some(nil) : text.hasPrefix("/") ? .some(text) : nil
            },
            keys: try reader.given(.keysFile).map { given in
                do throws(KeysFileError) {
                    return try KeyTable.load(path: given.text)
                } catch {
                    throw ConfigurationError(setting: given.name, problem: error.description)
                }
            },
            limitsMode: try reader.withDefault(.limits, expected: "one of \(names(LimitsMode.self))") {
                LimitsMode(rawValue: $0.lowercased())
            }
        )
    }

    /// The configuration a command runs with: its flags, then the environment, then `.env` in the working directory.
    package static func fromProcess(flags: [String: String] = [:]) throws -> Configuration {
        try load(merge([flags, ProcessEnvironment.current(), DotEnv.read(".env")]))
    }

    /// One setting's text as `load` would read it, without the rest: `proxyd keys` needs only the keys file's
    /// path, and must work while another setting is wrong.
    package static func text(of key: SettingKey, in values: [String: String]) -> String? {
        SettingReader(values: values).given(key)?.text
    }

    /// Combines sources given highest precedence first (flags, environment, .env file). Each setting comes whole
    /// from the first source that has it under its own name or an alias, so that `PORT` in the environment
    /// beats `PROXYD_LISTEN` in the file just as any environment value beats the file.
    /// Unknown `PROXYD_` names are kept so that `load` reports them.
    package static func merge(_ sources: [[String: String]]) -> [String: String] {
        var merged: [String: String] = [:]
        for setting in settings {
            let names = [setting.envName] + setting.aliases
            guard let source = sources.first(where: { source in names.contains { source[$0] != nil } }) else { continue }
            for name in names { merged[name] = source[name] }
        }
        for source in sources.reversed() {
            for (name, value) in source where SettingReader.isUnknownName(name) { merged[name] = value }
        }
        return merged
    }

    private static func names<T: CaseIterable & RawRepresentable>(_: T.Type) -> String where T.RawValue == String {
        T.allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// `auto` is `.some(nil)`; nil is not a valid value.
    private static func autoOrCount(_ text: String) -> Int?? {
        if text.lowercased() == "auto" { return .some(nil) }
        return wholeNumber(text).flatMap { Int(exactly: $0) }.flatMap { $0 >= 1 ? .some($0) : nil }
    }

    static func wholeNumber(_ text: String) -> UInt64? {
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return UInt64(text)
    }

    private static func onlineCPUs() -> Int {
        min(max(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 1), maxWorkers)
    }

    /// The CA file is opened at startup to fail early and clearly instead of at the first upstream handshake.
    private static func readableFile(_ path: String, setting: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ConfigurationError(setting: setting, problem: "cannot read \"\(path)\": \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw ConfigurationError(setting: setting, problem: "\"\(path)\" is not a regular file")
        }
        return path
    }
}

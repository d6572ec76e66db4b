import ArgumentParser
import Glibc
import ProxyCore

struct ProxydCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxyd",
        abstract: "A high-throughput proxy serving the go-chatgpt-api routes (/chatgpt/..., /platform/...).",
        // Serving is the command itself, not a subcommand; the generated usage would say otherwise.
        usage: "proxyd [<options>]\nproxyd fingerprint [--profile <name>]\nproxyd chatgpt-check\nproxyd keys add|list|revoke|check",
        discussion: """
            Every option can also be set by its environment variable or in a .env file in the working \
            directory. A flag wins over the environment, which wins over .env, which wins over the default. \
            Bad values stop startup with exit status 2 and one line naming the setting.
            """,
        // The same as the proxyd_build_info metric says.
        version: BuildInfo.version,
        subcommands: [FingerprintCommand.self, ChatGPTCheckCommand.self, KeysCommand.self]
    )

    @Option(name: .setting(.listen), help: .setting(.listen)) var listen: String?
    @Option(name: .setting(.adminListen), help: .setting(.adminListen)) var adminListen: String?
    @Option(name: .setting(.upstreamProxy), help: .setting(.upstreamProxy)) var upstreamProxy: String?
    @Option(name: .setting(.proxyPolicy), help: .setting(.proxyPolicy)) var proxyPolicy: String?
    @Option(name: .setting(.chatgptURL), help: .setting(.chatgptURL)) var chatgptURL: String?
    @Option(name: .setting(.platformURL), help: .setting(.platformURL)) var platformURL: String?
    @Option(name: .setting(.authURL), help: .setting(.authURL)) var authURL: String?
    @Option(name: .setting(.platformWebURL), help: .setting(.platformWebURL)) var platformWebURL: String?
    @Option(name: .setting(.tlsProfile), help: .setting(.tlsProfile)) var tlsProfile: String?
    @Option(name: .setting(.caFile), help: .setting(.caFile)) var caFile: String?
    @Option(name: .setting(.resolve), help: .setting(.resolve)) var resolve: String?
    @Option(name: .setting(.dnsServers), help: .setting(.dnsServers)) var dnsServers: String?
    @Option(name: .setting(.dnsTimeout), help: .setting(.dnsTimeout)) var dnsTimeout: String?
    @Option(name: .setting(.dnsMinTTL), help: .setting(.dnsMinTTL)) var dnsMinTTL: String?
    @Option(name: .setting(.dnsMaxTTL), help: .setting(.dnsMaxTTL)) var dnsMaxTTL: String?
    @Option(name: .setting(.dnsNegativeTTL), help: .setting(.dnsNegativeTTL)) var dnsNegativeTTL: String?
    @Option(name: .setting(.workers), help: .setting(.workers)) var workers: String?
    @Option(name: .setting(.maxBodyBytes), help: .setting(.maxBodyBytes)) var maxBodyBytes: String?
    @Option(name: .setting(.headerTimeout), help: .setting(.headerTimeout)) var headerTimeout: String?
    @Option(name: .setting(.idleTimeout), help: .setting(.idleTimeout)) var idleTimeout: String?
    @Option(name: .setting(.connectTimeout), help: .setting(.connectTimeout)) var connectTimeout: String?
    @Option(name: .setting(.proxyTimeout), help: .setting(.proxyTimeout)) var proxyTimeout: String?
    @Option(name: .setting(.tlsTimeout), help: .setting(.tlsTimeout)) var tlsTimeout: String?
    @Option(name: .setting(.upstreamTimeout), help: .setting(.upstreamTimeout)) var upstreamTimeout: String?
    @Option(name: .setting(.upstreamPingAfter), help: .setting(.upstreamPingAfter)) var upstreamPingAfter: String?
    @Option(name: .setting(.upstreamIdleClose), help: .setting(.upstreamIdleClose)) var upstreamIdleClose: String?
    @Option(name: .setting(.logLevel), help: .setting(.logLevel)) var logLevel: String?
    @Option(name: .setting(.logFormat), help: .setting(.logFormat)) var logFormat: String?
    @Option(name: .setting(.loginTimeout), help: .setting(.loginTimeout)) var loginTimeout: String?
    @Option(name: .setting(.maxLoginsPerWorker), help: .setting(.maxLoginsPerWorker)) var maxLoginsPerWorker: String?
    @Option(name: .setting(.maxConnections), help: .setting(.maxConnections)) var maxConnections: String?
    @Option(name: .setting(.maxStreams), help: .setting(.maxStreams)) var maxStreams: String?
    @Option(name: .setting(.drainTimeout), help: .setting(.drainTimeout)) var drainTimeout: String?
    @Option(name: .setting(.accessLog), help: .setting(.accessLog)) var accessLog: String?
    @Option(name: .setting(.chatgptSentinel), help: .setting(.chatgptSentinel)) var chatgptSentinel: String?
    @Option(name: .setting(.powMaxDifficulty), help: .setting(.powMaxDifficulty)) var powMaxDifficulty: String?
    @Option(name: .setting(.powMaxSolves), help: .setting(.powMaxSolves)) var powMaxSolves: String?
    @Option(name: .setting(.chatgptBuildNumber), help: .setting(.chatgptBuildNumber)) var chatgptBuildNumber: String?
    @Option(name: .setting(.chatgptMaxAccounts), help: .setting(.chatgptMaxAccounts)) var chatgptMaxAccounts: String?
    @Option(name: .setting(.chatgptAccountIdle), help: .setting(.chatgptAccountIdle)) var chatgptAccountIdle: String?
    @Option(name: .setting(.imitateContinue), help: .setting(.imitateContinue)) var imitateContinue: String?
    @Option(name: .setting(.imitateHistory), help: .setting(.imitateHistory)) var imitateHistory: String?
    @Option(name: .setting(.tokenizer), help: .setting(.tokenizer)) var tokenizer: String?
    @Option(name: .setting(.keysFile), help: .setting(.keysFile)) var keysFile: String?
    @Option(name: .setting(.limits), help: .setting(.limits)) var limits: String?

    @Flag(help: "Validate the configuration and exit without serving.") var check = false

    /// Values are kept as text so that flags get exactly the validation and messages of the environment.
    private var flagValues: [String: String] {
        let given: [(SettingKey, String?)] = [
            (.listen, listen), (.adminListen, adminListen), (.upstreamProxy, upstreamProxy), (.proxyPolicy, proxyPolicy),
            (.chatgptURL, chatgptURL), (.platformURL, platformURL), (.authURL, authURL), (.platformWebURL, platformWebURL),
            (.tlsProfile, tlsProfile), (.caFile, caFile), (.resolve, resolve), (.dnsServers, dnsServers),
            (.dnsTimeout, dnsTimeout), (.dnsMinTTL, dnsMinTTL), (.dnsMaxTTL, dnsMaxTTL), (.dnsNegativeTTL, dnsNegativeTTL),
            (.workers, workers), (.maxBodyBytes, maxBodyBytes), (.headerTimeout, headerTimeout),
            (.idleTimeout, idleTimeout), (.connectTimeout, connectTimeout), (.proxyTimeout, proxyTimeout),
            (.tlsTimeout, tlsTimeout), (.upstreamTimeout, upstreamTimeout),
            (.upstreamPingAfter, upstreamPingAfter), (.upstreamIdleClose, upstreamIdleClose), (.logLevel, logLevel), (.logFormat, logFormat),
            (.loginTimeout, loginTimeout), (.maxLoginsPerWorker, maxLoginsPerWorker),
            (.maxConnections, maxConnections), (.maxStreams, maxStreams), (.drainTimeout, drainTimeout),
            (.accessLog, accessLog), (.chatgptSentinel, chatgptSentinel), (.powMaxDifficulty, powMaxDifficulty),
            (.powMaxSolves, powMaxSolves), (.chatgptBuildNumber, chatgptBuildNumber),
            (.chatgptMaxAccounts, chatgptMaxAccounts), (.chatgptAccountIdle, chatgptAccountIdle),
            (.imitateContinue, imitateContinue), (.imitateHistory, imitateHistory), (.tokenizer, tokenizer),
            (.keysFile, keysFile),
            (.limits, limits),
        ]
        return Dictionary(uniqueKeysWithValues: given.compactMap { key, value in value.map { (key.rawValue, $0) } })
    }

    func run() throws {
        let configuration: Configuration
        do {
            configuration = try Configuration.fromProcess(flags: flagValues)
        } catch {
            fputs("\(error)\n", stderr)
            throw ExitCode(2)
        }
        if check {
            print("configuration OK")
            return
        }
        try Server(configuration: configuration).run()
    }
}

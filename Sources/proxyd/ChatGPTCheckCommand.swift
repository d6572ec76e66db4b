import ArgumentParser
import Glibc
import ProxyCore

/// `proxyd chatgpt-check`: the sentinel handshake of one turn against the configured ChatGPT upstream,
/// through the configured proxy and profile, without sending a message; prints each step's status and
/// time and the proof of work asked for, so a user sees which step the site refuses from their machine.
struct ChatGPTCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chatgpt-check",
        abstract: "Run the ChatGPT sentinel handshake (bootstrap, conduit, sentinel, proof of work) without sending a message.",
        discussion: """
            Reads the access token from CHATGPT_ACCESS_TOKEN, or else from the first line of standard input \
            (never from the command line, where other users of the machine could see it). Settings come from \
            the environment and .env as for serving. Exit status 0 when the site issued a requirements token.
            """
    )

    func run() throws {
        let configuration: Configuration
        do {
            configuration = try Configuration.fromProcess()
        } catch {
            fputs("\(error)\n", stderr)
            throw ExitCode(2)
        }
        guard let token = Self.accessToken() else {
            fputs("no access token: set CHATGPT_ACCESS_TOKEN or write it to standard input\n", stderr)
            throw ExitCode(2)
        }
        let report = try ChatGPTCheck.run(configuration: configuration, authorization: token)
        print("sentinel \(report.generation) against \(configuration.chatgpt) via "
              + (configuration.upstreamProxies.isEmpty ? "a direct connection" : "the configured upstream proxy")
              + ", profile \(configuration.tlsProfile.rawValue)")
        for step in report.log.steps {
            print("  \(step.step.rawValue): \(report.log.outcome(of: step)), \(step.milliseconds) ms")
        }
        if let error = report.error {
            print("refused: \(error.status) \(error.message)")
            throw ExitCode(1)
        }
        print("ok: the site issued a requirements token" + (report.log.difficulty == nil ? " (no proof of work asked)" : ""))
    }

    private static func accessToken() -> String? {
        let fromEnvironment = getenv("CHATGPT_ACCESS_TOKEN").map { String(cString: $0) }
        guard let text = fromEnvironment ?? readLine(strippingNewline: true) else { return nil }
        let token = text.trimmingBlanks()
        return token.isEmpty ? nil : String(token)
    }
}

/// `proxyd chatgpt-check`: one turn's handshake against the configured ChatGPT upstream, through the
/// configured proxy and profile, without the conversation call: which step the site refuses from this
/// machine, and how hard a proof it asks for. Runs one worker's loop on the calling thread.
package enum ChatGPTCheck {
    package struct Report {
        package var generation: String
        package var log: TurnLog
        /// Nil when finalize (or generation B's requirements call) issued a requirements token.
        package var error: ProxyError?
    }

    package static func run(configuration: Configuration, authorization: String) throws -> Report {
        Log.level = configuration.logLevel
        Log.format = configuration.logFormat
        let generation = configuration.sentinel.generation ?? .c2026
        let worker = try Worker(configuration: configuration, tls: Server.upstreamTLS(configuration),
                                resolveOverrides: Server.resolveOverrides(configuration))
        var report = Report(generation: generation == .c2026 ? "2026" : "2024", log: TurnLog(generation: generation))
        var turn: SentinelTurn?
        worker.loop.post {
            let identity = AccountIdentity(authorization: authorization)
            let account = worker.chatgpt.accounts.account(for: identity, now: worker.loop.now)
            // An empty conversation: the prepare call takes the defaults a new chat has; no message is sent.
            let made = SentinelTurn(worker: worker, generation: generation, account: account,
                                    authorization: authorization, body: ConversationBody([0x7B, 0x7D])!) { result in
                if case .failure(let error) = result { report.error = error }
                worker.loop.stop()
            }
            turn = made
            made.start()
        }
        worker.loop.run()
        if let turn { report.log = turn.log }
        return report
    }
}

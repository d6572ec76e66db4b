/// One worker's ChatGPT web state: the accounts it keeps browser state for, the site's build id,
/// and its proof-of-work solver. Loop-confined like everything a worker owns.
final class ChatGPTState {
    let accounts: ChatGPTAccounts
    var build = ChatGPTBuild()
    let solver: ProofSolver

    init(configuration: Configuration, loop: EventLoop) {
        accounts = ChatGPTAccounts(limit: configuration.chatgptMaxAccounts, idleMs: configuration.chatgptAccountIdleMs,
                                   site: configuration.chatgpt)
        solver = ProofSolver(loop: loop, limit: configuration.powMaxSolves)
    }
}

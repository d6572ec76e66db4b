/// Which of the site's sentinel handshakes proxyd performs (chatgpt-web.md §1): generation C (2026:
/// conduit, prepare and finalize, FNV-1a proofs with a `~S` suffix, `/f/conversation`) or generation B
/// (2024: one requirements call, SHA3-512 proofs, `/conversation`).
package enum SentinelGeneration: Sendable, Equatable {
    case c2026
    case b2024

    /// Proofs and requirements tokens end with `ChatGPTSite.generationCSuffix`.
    var suffixed: Bool { self == .c2026 }
}

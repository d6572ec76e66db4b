// Shared with the fuzz targets (Fuzz/, scripts/fuzz), which compile this file without XCTest and with the
// ProxyCore sources in the same module.
#if canImport(ProxyCore)
@testable import ProxyCore
#endif

/// Both handshakes answer bytes with steps; the tests drive them the way the Dialer does.
protocol HandshakeMachine {
    mutating func receive(_ bytes: [UInt8]) -> ProxyHandshakeStep
}

struct HandshakeRun: Equatable {
    var sent: [[UInt8]] = []
    var final = ProxyHandshakeStep.needMore
}

/// Feeds the proxy's bytes in the given chunks; after each `.send` the machine is asked again with no
/// new bytes, as the Dialer does. Stops at the first final step; the leftover of `.established` then
/// includes the chunks not fed, as the next reader of the socket would get them.
func drive<M: HandshakeMachine>(_ machine: M, chunks: [[UInt8]]) -> HandshakeRun {
    var machine = machine
    var run = HandshakeRun()
    for (index, chunk) in chunks.enumerated() {
        var step = machine.receive(chunk)
        while case .send(let output) = step {
            run.sent.append(output)
            step = machine.receive([])
        }
        if case .established(let leftover) = step {
            // Bytes that come later stay in the socket for whoever reads after the handshake.
            run.final = .established(leftover: leftover + chunks[(index + 1)...].joined())
            return run
        }
        if step != .needMore {
            run.final = step
            return run
        }
    }
    return run
}

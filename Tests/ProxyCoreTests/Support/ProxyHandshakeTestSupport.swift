@testable import ProxyCore
import XCTest

extension SOCKS5Handshake: HandshakeMachine {}
extension HTTPConnectHandshake: HandshakeMachine {}

/// The run must not depend on how the proxy's bytes were split: once whole, then cut at every byte,
/// then one byte at a time.
func assertSplitInvariant<M: HandshakeMachine>(_ machine: M, proxyBytes: [UInt8], expected: HandshakeRun,
                                               file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(drive(machine, chunks: [proxyBytes]), expected, "whole", file: file, line: line)
    for cut in 1..<proxyBytes.count {
        let run = drive(machine, chunks: [Array(proxyBytes[..<cut]), Array(proxyBytes[cut...])])
        XCTAssertEqual(run, expected, "cut at \(cut)", file: file, line: line)
    }
    XCTAssertEqual(drive(machine, chunks: proxyBytes.map { [$0] }), expected, "byte by byte", file: file, line: line)
}

extension ProxyHandshakeStep {
    var failure: ProxyHandshakeFailure? {
        if case .failed(let failure) = self { return failure }
        return nil
    }
}

import Dispatch
import Foundation
import XCTest

/// Whatever bytes arrive, a worker survives: 200 connections of seeded random garbage, half-valid requests and
/// bodies cut short, then proxyd must still answer on new connections.
final class GarbageInputTests: ProxydTestCase {
    private static let connections = 200
    private static let seed: UInt64 = 0x5EED_0F_9A2B

    /// SplitMix64: tiny, seedable, the same sequence on every machine, so a failure can be replayed.
    private struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private struct Case {
        let bytes: [UInt8]
        /// Wait briefly for proxyd's answer or close instead of vanishing at once.
        let lingers: Bool
    }

    /// Eight bytes per draw: a byte at a time is slow in debug builds, for megabytes in all.
    private static func randomBytes(_ count: Int, _ rng: inout SeededGenerator) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count + 8)
        while out.count < count {
            withUnsafeBytes(of: rng.next()) { out.append(contentsOf: $0) }
        }
        return Array(out.prefix(count))
    }

    /// Mostly printable with CR, LF, colon and space over-represented, so the parser gets past its first checks.
    private static func headerishBytes(_ count: Int, _ rng: inout SeededGenerator) -> [UInt8] {
        let specials: [UInt8] = [13, 10, 58, 32, 9, 0, 127, 255]
        return (0..<count).map { _ in
            Int.random(in: 0..<5, using: &rng) == 0
                ? specials.randomElement(using: &rng) ?? 13
                : UInt8.random(in: 33...126, using: &rng)
        }
    }

    private static func makeCases() -> [Case] {
        var rng = SeededGenerator(state: seed)
        let lines = ["GET /healthz HTTP/1.1\r\n", "POST /platform/v1/chat/completions HTTP/1.1\r\n",
                     "GET /chatgpt/backend-api/garbage HTTP/1.1\r\n", "PATCH /chatgpt/conversation/x HTTP/1.0\r\n"]
        return (0..<connections).map { index in
            let length = Int.random(in: 1...(64 * 1024), using: &rng)
            let lingers = index % 3 == 0
            switch index % 5 {
            case 0:
                return Case(bytes: randomBytes(length, &rng), lingers: lingers)
            case 1:
                let line = lines.randomElement(using: &rng) ?? lines[0]
                return Case(bytes: Array(line.utf8) + randomBytes(length, &rng), lingers: lingers)
            case 2:
                let line = lines.randomElement(using: &rng) ?? lines[0]
                return Case(bytes: Array(line.utf8) + headerishBytes(length, &rng), lingers: lingers)
            case 3:
                // A valid forwarded head whose body stops short; the client then goes away.
                let declared = length + Int.random(in: 1...100_000, using: &rng)
                let head = RequestBuilder.build("POST", "/chatgpt/backend-api/garbage/\(index)", headers: [
                    RequestBuilder.defaultAuthorization, ("Content-Length", String(declared)),
                ])
                return Case(bytes: head + randomBytes(length, &rng), lingers: false)
            default:
                // A valid chunked head, then chunk framing that goes wrong somewhere.
                let head = RequestBuilder.build("POST", "/platform/v1/garbage/\(index)", headers: [
                    RequestBuilder.defaultAuthorization, ("Transfer-Encoding", "chunked"),
                ])
                let body = RequestBuilder.chunked(randomBytes(min(length, 4096), &rng), chunkSize: 1000)
                let cut = Int.random(in: 0..<body.count, using: &rng)
                return Case(bytes: head + body[0..<cut] + headerishBytes(length % 512, &rng), lingers: lingers)
            }
        }
    }

    func testRandomBytesOnTwoHundredConnectionsLeaveProxydServing() throws {
        let cases = Self.makeCases()
        let lock = NSLock()
        var connectFailures: [String] = []
        let port = self.port
        DispatchQueue.concurrentPerform(iterations: 8) { lane in
            for index in stride(from: lane, to: cases.count, by: 8) {
                do {
                    let connection = try RawHTTPConnection(port: port, timeout: 2)
                    // proxyd may answer and close before taking everything: a failed send is expected.
                    try? connection.send(cases[index].bytes)
                    if cases[index].lingers { _ = connection.waitForClose(timeout: 0.3) }
                } catch {
                    lock.lock()
                    connectFailures.append("connection \(index): \(error)")
                    lock.unlock()
                }
            }
        }
        XCTAssertEqual(connectFailures, [], "proxyd stopped accepting. Log tail:\n\(env.proxyd.logTail())")
        XCTAssertTrue(env.proxyd.isRunning, "proxyd died. Log tail:\n\(env.proxyd.logTail())")
        // Several connections, so both workers' listeners are very likely exercised.
        for _ in 0..<6 { assertStillServing() }
        let response = try request("GET", "/chatgpt/backend-api/after-garbage")
        XCTAssertEqual(response.status, 200, response.bodyText)
    }
}

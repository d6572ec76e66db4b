import Dispatch
import Foundation
import Glibc
import XCTest

/// Issue 10: rounds of slowloris clients (each sends part of a request head, then leaves) must not raise
/// proxyd's resident memory round after round. Before the fix, closed connections stayed alive in the timer
/// heap until their idle timeout and glibc kept what they freed, so RSS climbed with every round (27.7 MB
/// to 104.9 MB over ten rounds of 3,000 in the issue; here, after rounds 1 and 5: 41 and 51-53 MB). Since,
/// the rounds after the first move it by 1-5 MB either way. What is measured is memory once a round has
/// closed, so a slow machine makes a round slower, not the figure different.
final class SlowlorisMemoryTests: ProxydTestCase {
    private static let connectionsPerRound = 3_000
    private static let rounds = 5
    /// Growth allowed from after round 1 to after the last round: above the 1-5 MB seen since the fix, below
    /// the 10-12 MB that four more rounds added before it.
    private static let allowedGrowthBytes = 8 << 20

    func testRoundsOfClosedSlowlorisConnectionsDoNotRaiseMemory() throws {
        try requireDescriptors(Self.connectionsPerRound + 256)
        let pid = env.proxyd.pid
        var settled: [Int] = []
        for round in 1...Self.rounds {
            try slowlorisRound(pid: pid, round: round)
            settled.append(try settledResidentBytes(pid: pid))
        }
        let megabytes = settled.map { String(format: "%.1f", Double($0) / 1_048_576) }.joined(separator: ", ")
        XCTAssertLessThan(settled[settled.count - 1] - settled[0], Self.allowedGrowthBytes,
                          "VmRSS after each round of \(Self.connectionsPerRound) closed slowloris connections: \(megabytes) MB")
        assertStillServing()
    }

    /// Opens the round's connections, each with an unfinished head; once proxyd holds them all and has read
    /// the heads, closes them and waits until proxyd has closed its ends.
    private func slowlorisRound(pid: Int32, round: Int) throws {
        let before = try openDescriptors(pid)
        var sockets: [Int32] = []
        defer { sockets.forEach { _ = Glibc.close($0) } }
        let head = Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slowloris-Round: \(round)\r\n".utf8)
        for _ in 0..<Self.connectionsPerRound {
            let fd = try LoopbackSocket.connect(port: port, timeout: 10)
            sockets.append(fd)
            let sent = head.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            XCTAssertEqual(sent, head.count, "a partial head fits in an empty socket buffer")
        }
        // `before` may count a descriptor that closes meanwhile (a keep-alive or pooled connection of the
        // suite's setup timing out): in full runs the count stopped at 2,999 of 3,000 and the wait never ended.
        let slack = 8
        try waitFor("proxyd to accept round \(round)",
                    progress: { "\(try self.openDescriptors(pid) - before) of \(Self.connectionsPerRound) accepted" }) {
            try self.openDescriptors(pid) >= before + Self.connectionsPerRound - slack
        }
        usleep(300_000)  // reading what arrived with the accept takes the loop a moment more
        sockets.forEach { _ = Glibc.close($0) }
        sockets = []
        try waitFor("proxyd to close round \(round)") { try self.openDescriptors(pid) <= before + 16 }
    }

    /// The lowest VmRSS over 3 s: proxyd gives freed memory back a second after its connections fell.
    private func settledResidentBytes(pid: Int32) throws -> Int {
        var lowest = Int.max
        for _ in 0..<12 {
            usleep(250_000)
            lowest = min(lowest, try XCTUnwrap(ProcessMemory.residentBytes(pid: pid), "no VmRSS for proxyd"))
        }
        return lowest
    }

    private func openDescriptors(_ pid: Int32) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
    }

    private func waitFor(_ what: String, timeout: Double = 20, progress: () throws -> String = { "" },
                         _ done: () throws -> Bool) throws {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        while try !done() {
            guard DispatchTime.now().uptimeNanoseconds < deadline else {
                throw TestSetupError("timed out waiting for \(what) after \(timeout) s \(try progress())")
            }
            usleep(20_000)
        }
    }

    /// Both ends of every connection live on this machine: this process and proxyd (which inherited the
    /// limit) each need a descriptor per connection.
    private func requireDescriptors(_ needed: Int) throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < rlim_t(needed) && limit.rlim_max >= rlim_t(needed) {
            limit.rlim_cur = rlim_t(needed)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let proxydLimit = try String(contentsOfFile: "/proc/\(env.proxyd.pid)/limits", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("Max open files") }?
            .split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first.flatMap { Int($0) } ?? 0
        guard limit.rlim_cur >= rlim_t(needed), proxydLimit >= needed else {
            throw XCTSkip("needs \(needed) descriptors; this process may open \(limit.rlim_cur), proxyd \(proxydLimit)")
        }
    }
}

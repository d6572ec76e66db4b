import Dispatch
import Foundation
import XCTest

/// A client that asks for 100 MB and barely reads: proxyd must stop reading the upstream instead of buffering
/// the body, and the stalled relay must not hold up anyone else on the same worker.
final class BackpressureTests: ProxydTestCase {
    /// One worker, so the stalled relay and the other client share an event loop.
    override class func extraSettings() throws -> [String: String] { ["PROXYD_WORKERS": "1"] }

    private static let hundredMB = 100_000_000
    private static let allowedGrowthKB = 20 * 1024
    private static let sip = 64 * 1024

    /// proxyd's resident set from /proc, in kB.
    private func residentKB(file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(env.proxyd.pid)/status", encoding: .utf8)
        let field = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        let number = field?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first
        return try XCTUnwrap(number.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) },
                             "no VmRSS in /proc/\(env.proxyd.pid)/status", file: file, line: line)
    }

    /// Requests the 100 MB body and reads its head; the fixture builds the whole body before sending, hence the timeout.
    private func startHugeDownload() throws -> RawHTTPConnection {
        let connection = try connect(timeout: 30)
        try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__big?bytes=\(Self.hundredMB)"))
        let head = try connection.readHead()
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("content-length"), String(Self.hundredMB))
        return connection
    }

    /// Reads exactly `count` more body bytes and checks them against the pattern.
    private func sip(_ count: Int, from connection: RawHTTPConnection, offset: inout Int) throws {
        var remaining = count
        while remaining > 0 {
            let piece = try connection.readRaw(upTo: remaining)
            guard !piece.isEmpty else { throw RawHTTPError.closed("the 100 MB body") }
            XCTAssertEqual(Array(piece), TestPattern.bytes(count: piece.count, startingAt: offset), "at offset \(offset)")
            offset += piece.count
            remaining -= piece.count
        }
    }

    private func warmUp() throws {
        let response = try request("GET", "/chatgpt/backend-api/__big?bytes=1000000")
        XCTAssertEqual(response.body.count, 1_000_000)
        assertStillServing()
    }

    func testSlowReaderOfAHundredMegabytesKeepsProxydMemoryBounded() throws {
        try warmUp()
        let baseline = try residentKB()
        var connection: RawHTTPConnection? = try startHugeDownload()
        var offset = 0
        var peak = baseline
        // 64 KB every half second for 3 s: the upstream offers ~100 MB, the client takes under 0.5 MB.
        for _ in 0..<6 {
            try sip(Self.sip, from: try XCTUnwrap(connection), offset: &offset)
            usleep(500_000)
            peak = max(peak, try residentKB())
        }
        XCTAssertEqual(offset, 6 * Self.sip)
        XCTAssertLessThan(peak - baseline, Self.allowedGrowthKB,
                          "VmRSS grew from \(baseline) kB to \(peak) kB while a client read a 100 MB body slowly")
        // Leaving a paused relay must end it upstream too, not leave it parked until the upstream timeout.
        let leftAt = DispatchTime.now().uptimeNanoseconds
        connection = nil
        let closedAfter = env.chatgpt.connections.closeDelay(ofConnectionCarrying: "__big?bytes=\(Self.hundredMB)",
                                                             since: leftAt, timeout: 3)
        XCTAssertLessThan(closedAfter ?? .infinity, 1,
                          "upstream of the abandoned relay closed after \(String(describing: closedAfter)) s")
        assertStillServing()
        XCTAssertLessThan(try residentKB() - baseline, Self.allowedGrowthKB)
    }

    /// Seconds for a small JSON answer and a 256 KB one (past proxyd's high-water mark) on new connections.
    /// They go to the platform fixture: the chatgpt one spends a while filling the stalled relay's socket
    /// buffers (megabytes, slowly in a debug build), which would be measured instead of proxyd.
    private func timeOrdinaryRequests() throws -> Double {
        let started = DispatchTime.now().uptimeNanoseconds
        for (target, size) in [("/platform/v1/models", nil), ("/platform/v1/__big?bytes=262144", 262_144)] {
            let response = try request("GET", target, timeout: 5)
            XCTAssertEqual(response.status, 200, target)
            XCTAssertTrue(response.complete, target)
            if let size { XCTAssertEqual(response.body.count, size, target) }
        }
        return Self.monotonicSeconds(DispatchTime.now().uptimeNanoseconds - started)
    }

    func testStalledReaderDoesNotDelayAnotherClient() throws {
        let alone = try timeOrdinaryRequests()
        let stalled = try startHugeDownload()
        var offset = 0
        try sip(Self.sip, from: stalled, offset: &offset)
        usleep(300_000)  // every buffer between the fixture and the stalled client fills up

        let beside = try timeOrdinaryRequests()
        XCTAssertLessThan(beside, max(1, alone * 3),
                          "requests took \(beside) s next to a stalled 100 MB relay, \(alone) s alone")
        // The stalled relay is still intact and resumes where it stopped.
        try sip(Self.sip, from: stalled, offset: &offset)
    }
}

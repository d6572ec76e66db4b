import Dispatch
import Foundation
import Glibc
import XCTest

/// End-to-end flow control: a client that reads slowly holds back only its own stream, and proxyd does not
/// buffer what the client has not taken.
final class HTTP2FlowControlTests: HTTP2TestCase {
    /// proxyd's HTTP/2 stream window (the default chrome profile's INITIAL_WINDOW_SIZE): the most one stream
    /// may hold unacknowledged.
    private static let streamWindow = 6 << 20

    func testSlowReaderDoesNotGrowMemoryNorSlowTheSharedConnection() throws {
        let pid = try XCTUnwrap(ProcessMemory.childPID(listeningOn: port), "proxyd's pid")
        // Warm up: the upstream connection exists and proxyd's buffers have been touched once.
        let warm = try request("GET", "/platform/v1/models")
        let warmUpstream = try XCTUnwrap(upstreamRequest(behind: warm, on: h2.platform))
        let baseline = try XCTUnwrap(ProcessMemory.residentBytes(pid: pid))

        let fd = try LoopbackSocket.connect(port: port, timeout: 5)
        defer { Glibc.close(fd) }
        var small: Int32 = 4096
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        let bytes = RequestBuilder.build("GET", "/platform/v1/__big?bytes=50000000")
        XCTAssertEqual(bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }, bytes.count)
        let big = try XCTUnwrap(h2.platform.recorder.waitForRequest { $0.path == "/v1/__big" })

        var received = 0
        var peak = baseline
        var parallelSeconds: Double?
        var chunk = [UInt8](repeating: 0, count: 1024)
        for second in 0..<5 {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            XCTAssertGreaterThan(n, 0, "the slow stream stalled or closed")
            received += max(n, 0)
            if second == 2 {
                let started = DispatchTime.now().uptimeNanoseconds
                let other = try request("GET", "/platform/v1/models?parallel=1", timeout: 5)
                parallelSeconds = Self.monotonicSeconds(DispatchTime.now().uptimeNanoseconds - started)
                XCTAssertEqual(other.status, 200)
                if let upstream = upstreamRequest(behind: other, on: h2.platform) {
                    XCTAssertEqual(h2.platform.log.place(ofRequest: upstream.id)?.connection,
                                   h2.platform.log.place(ofRequest: big.id)?.connection,
                                   "the parallel request shares the slow stream's upstream connection")
                }
            }
            for _ in 0..<10 {
                peak = max(peak, ProcessMemory.residentBytes(pid: pid) ?? 0)
                usleep(100_000)
            }
        }
        let growth = peak - baseline
        let sent = h2.platform.log.dataSent(requestID: big.id)
        print("slow reader: read \(received) B in 5 s; upstream sent \(sent) B of 50 MB; proxyd RSS \(baseline >> 10) KB "
            + "-> peak \(peak >> 10) KB (+\(growth >> 10) KB); parallel request took "
            + String(format: "%.3f s", parallelSeconds ?? -1))
        XCTAssertEqual(h2.platform.log.place(ofRequest: big.id)?.connection,
                       h2.platform.log.place(ofRequest: warmUpstream.id)?.connection, "one upstream connection throughout")
        XCTAssertLessThan(growth, Self.streamWindow + 10 << 20, "proxyd buffered the slow stream")
        XCTAssertLessThan(sent, 16 << 20, "the upstream was allowed to send far more than the client took")
        XCTAssertLessThan(parallelSeconds ?? 99, 1.0, "the slow stream held up another on the same connection")
    }

    /// Clients that leave while behind: what the server sent for them and they never took still counts against
    /// the connection's window. Three such streams hold Chrome's ~15 MB connection window; unless proxyd
    /// acknowledges their rest when they end, every later stream on the connection stalls.
    func testStreamsAbandonedWhileBehindGiveTheirWindowBack() throws {
        let warm = try request("GET", "/platform/v1/models")
        let warmUpstream = try XCTUnwrap(upstreamRequest(behind: warm, on: h2.platform))
        for round in 0..<4 {
            let fd = try LoopbackSocket.connect(port: port, timeout: 5)
            var small: Int32 = 4096
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            let bytes = RequestBuilder.build("GET", "/platform/v1/__big?bytes=50000000&round=\(round)")
            XCTAssertEqual(bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }, bytes.count)
            let big = try XCTUnwrap(h2.platform.recorder.waitForRequest { $0.uri.hasSuffix("round=\(round)") })
            // Until the server has filled the stream's window (or stopped: the connection's is gone).
            var sent = 0
            for _ in 0..<50 where sent < Self.streamWindow - (1 << 20) {
                usleep(100_000)
                sent = h2.platform.log.dataSent(requestID: big.id)
            }
            Glibc.close(fd)
        }
        let after = try request("GET", "/platform/v1/__big?bytes=2000000", timeout: 10)
        XCTAssertEqual(after.status, 200)
        XCTAssertEqual(after.body.count, 2_000_000)
        let upstream = try XCTUnwrap(h2.platform.recorder.waitForRequest { $0.uri == "/v1/__big?bytes=2000000" })
        XCTAssertEqual(h2.platform.log.place(ofRequest: upstream.id)?.connection,
                       h2.platform.log.place(ofRequest: warmUpstream.id)?.connection, "the same upstream connection")
    }
}

/// Reads a child process's memory from /proc.
enum ProcessMemory {
    /// The child of this test process whose environment says it listens on `port`: ProxydProcess keeps its
    /// Process private, and several proxyd instances can be alive at once.
    static func childPID(listeningOn port: Int) -> Int32? {
        let marker = "PROXYD_LISTEN=127.0.0.1:\(port)"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, Int32(fields[1]) == getpid(),
                  let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            if environ.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == marker }) { return pid }
        }
        return nil
    }

    static func residentBytes(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kilobytes * 1024
    }
}

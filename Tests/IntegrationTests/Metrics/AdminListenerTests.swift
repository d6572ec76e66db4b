import Dispatch
import Foundation
import Glibc
import XCTest

/// PROXYD_ADMIN_LISTEN: its routes, /readyz through a drain, `off`, and a port it cannot have.
final class AdminListenerTests: FixtureTestCase {
    private func get(_ target: String, port: Int, method: String = "GET") throws -> RawResponse {
        let connection = try RawHTTPConnection(port: port, timeout: 5)
        try connection.send(RequestBuilder.build(method, target, headers: []))
        return try connection.readResponse(method: method)
    }

    func testRoutesAndNothingElse() throws {
        let proxyd = try startProxyd()
        defer { _ = proxyd.stop() }
        let admin = try XCTUnwrap(proxyd.adminPort)
        XCTAssertEqual(try get("/healthz", port: admin).status, 200)
        let ready = try get("/readyz", port: admin)
        XCTAssertEqual(ready.status, 200, ready.bodyText)
        XCTAssertTrue(ready.bodyText.contains("\"status\":\"ready\""), ready.bodyText)
        XCTAssertEqual(try get("/metrics", port: admin).status, 200)
        XCTAssertEqual(try get("/metrics?x=1", port: admin).status, 200, "a query does not change the route")
        for (method, target) in [("GET", "/"), ("GET", "/chatgpt/models"), ("POST", "/metrics"), ("HEAD", "/healthz"),
                                 ("GET", "/metricsx")] {
            XCTAssertEqual(try get(target, port: admin, method: method).status, 404, "\(method) \(target)")
        }
        // Not reachable from the main listener, and the main listener's routes are not the admin's.
        XCTAssertEqual(try get("/metrics", port: proxyd.port).status, 404)
        XCTAssertEqual(try get("/readyz", port: proxyd.port).status, 404)
        XCTAssertEqual(Set(try listeningPorts(of: proxyd.pid)), [proxyd.port, admin], "the main and admin ports only")
    }

    /// A request head that never ends, or grows past 8 KB, does not hold the admin listener.
    func testBadClientsAreBounded() throws {
        let proxyd = try startProxyd(["PROXYD_HEADER_TIMEOUT": "1"])
        defer { _ = proxyd.stop() }
        let admin = try XCTUnwrap(proxyd.adminPort)
        let silent = try RawHTTPConnection(port: admin, timeout: 5)
        try silent.send("GET /metrics HTTP/1.1\r\nHost: x\r\n")
        let started = DispatchTime.now().uptimeNanoseconds
        XCTAssertTrue(silent.waitForClose(timeout: 4).closed, "a head that never ends is cut off")
        let waited = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        XCTAssertGreaterThan(waited, 0.5)
        XCTAssertLessThan(waited, 3, "PROXYD_HEADER_TIMEOUT is 1 s")

        let large = try RawHTTPConnection(port: admin, timeout: 5)
        try large.send("GET /metrics HTTP/1.1\r\nX-Fill: " + String(repeating: "a", count: 3000) + "\r\n"
                       + "X-More: " + String(repeating: "b", count: 3000) + "\r\nX-Last: " + String(repeating: "c", count: 3000))
        XCTAssertEqual(try large.readResponse().status, 431)
        XCTAssertEqual(try get("/healthz", port: admin).status, 200, "still serving")
    }

    /// /readyz turns 503 as soon as the workers drain, while a slow stream keeps the process up; /healthz stays 200.
    func testReadyzIs503WhileDraining() throws {
        let proxyd = try startProxyd()
        defer { _ = proxyd.stop() }
        let admin = try XCTUnwrap(proxyd.adminPort)
        XCTAssertEqual(try get("/readyz", port: admin).status, 200)
        let streaming = try RawHTTPConnection(port: proxyd.port, timeout: 10)
        try streaming.send(RequestBuilder.build("GET", "/chatgpt/backend-api/__sse?events=20&interval_ms=100"))
        let head = try streaming.readHead()
        XCTAssertEqual(head.status, 200)

        XCTAssertEqual(kill(proxyd.pid, SIGTERM), 0)
        usleep(300_000)
        XCTAssertTrue(proxyd.isRunning, "the stream keeps the drain going")
        let draining = try get("/readyz", port: admin)
        XCTAssertEqual(draining.status, 503, draining.bodyText)
        XCTAssertTrue(draining.bodyText.contains("\"ready\":0"), draining.bodyText)
        XCTAssertEqual(try get("/healthz", port: admin).status, 200, "the process still runs")
        let metrics = try MetricsScrape.fetch(adminPort: admin)
        XCTAssertEqual(metrics.value("proxyd_streams_in_flight"), 1, "a scrape during the drain sees the stream")
        XCTAssertTrue(try streaming.readBody(for: head).complete)
    }

    func testOffListensOnTheMainPortOnly() throws {
        let proxyd = try startProxyd(["PROXYD_ADMIN_LISTEN": "off"])
        defer { _ = proxyd.stop() }
        XCTAssertEqual(try listeningPorts(of: proxyd.pid), [proxyd.port])
        XCTAssertFalse(proxyd.log.contains("admin ("), proxyd.logTail())
    }

    /// A port another socket holds, or the main listener's own, stops startup with one line naming the setting.
    func testAPortInUseIsAClearStartupError() throws {
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(holder) }
        var address = LoopbackSocket.address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(holder, $0, length) == 0 && listen(holder, 1) == 0 && getsockname(holder, $0, &length) == 0
            }
        }
        XCTAssertTrue(listening)
        let held = Int(UInt16(bigEndian: address.sin_port))
        let main = try LoopbackSocket.unusedPort()
        for admin in [held, main] {
            let run = try runUntilExit(["PROXYD_LISTEN": "127.0.0.1:\(main)", "PROXYD_ADMIN_LISTEN": "127.0.0.1:\(admin)"])
            XCTAssertEqual(run.status, 1, "admin on \(admin): \(run.output)")
            XCTAssertTrue(run.output.contains("PROXYD_ADMIN_LISTEN: cannot listen on 127.0.0.1:\(admin): Address already in use"),
                          run.output)
            XCTAssertEqual(run.output.split(separator: "\n").count, 1, "one line: \(run.output)")
        }
    }

    /// proxyd with `settings` only, in an empty directory; killed if it has not exited within 10 s.
    private func runUntilExit(_ settings: [String: String]) throws -> (status: Int32, output: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proxyd-itest-admin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ProxydProcess.binaryPath())
        process.currentDirectoryURL = directory
        process.environment = settings.merging(["PROXYD_TOKENIZER": "off", "PROXYD_WORKERS": "2"]) { a, _ in a }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = DispatchTime.now().uptimeNanoseconds + 10_000_000_000
        while process.isRunning && DispatchTime.now().uptimeNanoseconds < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The TCP ports `pid` listens on, from its sockets' inodes in /proc/net/tcp and tcp6.
    private func listeningPorts(of pid: pid_t) throws -> [Int] {
        let fdDirectory = "/proc/\(pid)/fd"
        var inodes: Set<String> = []
        for name in try FileManager.default.contentsOfDirectory(atPath: fdDirectory) {
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: fdDirectory + "/" + name)) ?? ""
            if target.hasPrefix("socket:[") { inodes.insert(String(target.dropFirst(8).dropLast())) }
        }
        var ports: [Int] = []
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            let text = (try? String(contentsOfFile: table, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n").dropFirst() {
                let columns = line.split(separator: " ")
                // local_address is ADDRESS:PORT in hex, st 0A is LISTEN, the inode is the tenth column.
                guard columns.count > 9, columns[3] == "0A", inodes.contains(String(columns[9])),
                      let port = columns[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) }) else { continue }
                if !ports.contains(port) { ports.append(port) }
            }
        }
        return ports.sorted()
    }
}

import Dispatch
import Foundation

/// A real dnsmasq on 127.0.0.1 and a free port, answering only from the records it is given (names under
/// `TestPKI.dnsTestDomain`; other names there get NXDOMAIN) and logging every query it receives.
/// Spawned directly, not with Foundation's Process: dnsmasq closes the descriptors it inherits, which
/// Process takes for an exit and then blocks its run loop in waitpid, stalling every other child's exit.
final class DNSMasq {
    let port: Int
    private let logPath: String
    private var pid: pid_t = 0

    /// `records` maps a name to the addresses of its host record (IPv4, IPv6 or both).
    init(records: [String: [String]], ttlSeconds: Int) throws {
        port = try LoopbackSocket.unusedPort()
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("proxyd-itest-dnsmasq-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        logPath = directory.appendingPathComponent("queries.log").path
        let arguments = [
            "/usr/sbin/dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
            "--port=\(port)", "--listen-address=127.0.0.1", "--bind-interfaces",
            "--log-queries", "--log-facility=\(logPath)", "--local-ttl=\(ttlSeconds)",
            "--pid-file=\(directory.appendingPathComponent("dnsmasq.pid").path)",
            "--user=\(NSUserName())", "--local=/\(TestPKI.dnsTestDomain)/",
        ] + records.map { name, addresses in "--host-record=\(name),\(addresses.joined(separator: ","))" }
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawn(&pid, arguments[0], nil, nil, argv, environ)
        guard status == 0 else { throw TestSetupError("cannot start dnsmasq: \(String(cString: strerror(status)))") }
        try waitUntilListening()
    }

    deinit { stop() }

    func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        pid = 0
    }

    private var isRunning: Bool {
        var status: Int32 = 0
        return pid > 0 && waitpid(pid, &status, WNOHANG) == 0
    }

    /// The query types (`A`, `AAAA`) dnsmasq has logged for `name`, in order.
    func queries(for name: String) -> [String] {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").compactMap { line in
            guard let start = line.range(of: "query["), line.contains("] \(name) from ") else { return nil }
            let rest = line[start.upperBound...]
            return rest.firstIndex(of: "]").map { String(rest[..<$0]) }
        }
    }

    var logText: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// dnsmasq logs "started" once its sockets are bound.
    private func waitUntilListening() throws {
        let deadline = DispatchTime.now().uptimeNanoseconds + 5_000_000_000
        while DispatchTime.now().uptimeNanoseconds < deadline {
            guard isRunning else {
                pid = 0
                throw TestSetupError("dnsmasq exited: \(logText)")
            }
            if logText.contains("started, version") { return }
            usleep(20_000)
        }
        throw TestSetupError("dnsmasq did not start within 5 s: \(logText)")
    }
}

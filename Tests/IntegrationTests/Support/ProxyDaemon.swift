import Foundation

/// A real upstream proxy on a free loopback port: microsocks (SOCKS5) or tinyproxy (HTTP CONNECT with
/// BasicAuth), as child processes, with their output kept in a file.
final class ProxyDaemon {
    enum Kind {
        case microsocks(username: String? = nil, password: String? = nil)
        /// tinyproxy refuses CONNECT to ports not listed, so the test names its upstream ports.
        case tinyproxy(username: String, password: String, connectPorts: [Int])
    }

    let port: Int
    let logPath: String
    private let process = Process()

    /// `port` 0 picks a free one; a given port lets a test bring up a proxy where a dead one was configured.
    init(_ kind: Kind, port fixedPort: Int = 0) throws {
        port = fixedPort == 0 ? try LoopbackSocket.unusedPort() : fixedPort
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("proxyd-itest-proxy-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        logPath = directory.appendingPathComponent("daemon.log").path
        guard FileManager.default.createFile(atPath: logPath, contents: nil),
              let log = FileHandle(forWritingAtPath: logPath) else { throw TestSetupError("cannot open \(logPath)") }
        let name: String
        switch kind {
        case .microsocks(let username, let password):
            name = "microsocks"
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            var arguments = ["microsocks", "-i", "127.0.0.1", "-p", String(port)]
            if let username { arguments += ["-u", username, "-P", password ?? ""] }
            process.arguments = arguments
        case .tinyproxy(let username, let password, let connectPorts):
            name = "tinyproxy"
            let config = directory.appendingPathComponent("tinyproxy.conf")
            let lines = ["Port \(port)", "Listen 127.0.0.1", "Timeout 30", "MaxClients 100", "Allow 127.0.0.1",
                         "BasicAuth \(username) \(password)", "LogLevel Info"]
                + connectPorts.map { "ConnectPort \($0)" }
            try (lines.joined(separator: "\n") + "\n").write(to: config, atomically: true, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["tinyproxy", "-d", "-c", config.path]
        }
        process.currentDirectoryURL = directory
        process.standardOutput = log
        process.standardError = log
        try process.run()
        do {
            try LoopbackSocket.waitForListener(port: port, process: process, name: name)
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    var pid: Int32 { process.processIdentifier }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// A loopback port whose kernel accepts connections (up to the backlog) that nobody ever reads or answers:
/// a proxy or TLS server that hangs. `unreachable()` fills the backlog too, so that further connects get
/// no answer at all, like a host that drops SYNs.
final class SilentListener {
    let port: Int
    private let fd: Int32
    private var fillers: [Int32] = []

    init(host: String = "127.0.0.1", port: Int = 0) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError("socket() failed: errno \(errno)") }
        var address = LoopbackSocket.address(port: port)
        inet_pton(AF_INET, host, &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, port == 0 ? 64 : 0) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else {
            Glibc.close(fd)
            throw TestSetupError("could not listen on \(host):\(port): errno \(errno)")
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// A listener on `host:port` with a full accept queue: connects to it neither succeed nor fail.
    static func unreachable(host: String, port: Int) throws -> SilentListener {
        let listener = try SilentListener(host: host, port: port)
        for _ in 0..<2 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var address = LoopbackSocket.address(port: port)
            inet_pton(AF_INET, host, &address.sin_addr)
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            listener.fillers.append(filler)
        }
        usleep(100_000)
        return listener
    }

    deinit {
        for filler in fillers { Glibc.close(filler) }
        Glibc.close(fd)
    }
}

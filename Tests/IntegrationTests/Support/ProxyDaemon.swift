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

    init(_ kind: Kind) throws {
        port = try LoopbackSocket.unusedPort()
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

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// A loopback port whose kernel accepts connections (up to the backlog) that nobody ever reads or answers:
/// a proxy or TLS server that hangs.
final class SilentListener {
    let port: Int
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError("socket() failed: errno \(errno)") }
        var address = LoopbackSocket.address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else {
            Glibc.close(fd)
            throw TestSetupError("could not listen on a loopback port: errno \(errno)")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { Glibc.close(fd) }
}

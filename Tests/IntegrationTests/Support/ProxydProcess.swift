import Dispatch
import Foundation

/// The real `proxyd` binary as a child process on a free loopback port, with its stderr kept in a file so a
/// failing test can show what proxyd said.
final class ProxydProcess {
    let port: Int
    /// The admin listener's port: a free one of its own unless `settings` name PROXYD_ADMIN_LISTEN (the default
    /// port would clash between the instances a test run starts side by side).
    let adminPort: Int?
    let logPath: String
    private let process: Process

    /// Settings every instance gets; `settings` passed to `init` override or extend them.
    static func baseSettings(pki: TestPKI) -> [String: String] {
        [
            "PROXYD_CA_FILE": pki.trustedCAPath,
            "PROXYD_WORKERS": "2",
            // Generous: a loaded CI machine runs the debug fixture slowly; the timeout tests set their own.
            "PROXYD_UPSTREAM_TIMEOUT": "15",
            "PROXYD_LOG_LEVEL": "debug",
            // The fixtures are not chatgpt.com: conversations are relayed as sent. The ChatGPT tests turn the
            // sentinel handshake on against their fake site.
            "PROXYD_CHATGPT_SENTINEL": "off",
            // Loading the vocabulary takes seconds in a debug build; the /imitate/v1 tests that count turn it on.
            "PROXYD_TOKENIZER": "off",
        ]
    }

    init(settings: [String: String]) throws {
        let binary = try Self.binaryPath()
        port = try LoopbackSocket.unusedPort()
        let workDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("proxyd-itest-run-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        logPath = workDirectory.appendingPathComponent("proxyd.log").path
        guard FileManager.default.createFile(atPath: logPath, contents: nil),
              let log = FileHandle(forWritingAtPath: logPath) else { throw TestSetupError("cannot open \(logPath)") }

        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        // An empty directory: proxyd reads `.env` from its working directory, and the test runner's must not leak in.
        process.currentDirectoryURL = workDirectory
        var environment = Self.cleanEnvironment().merging(settings) { $1 }
            .merging(["PROXYD_LISTEN": "127.0.0.1:\(port)"]) { $1 }
        if settings["PROXYD_ADMIN_LISTEN"] == nil {
            var admin = try LoopbackSocket.unusedPort()
            while admin == port { admin = try LoopbackSocket.unusedPort() }
            environment["PROXYD_ADMIN_LISTEN"] = "127.0.0.1:\(admin)"
            adminPort = admin
        } else {
            adminPort = nil
        }
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try waitUntilHealthy(timeout: 10)
    }

    deinit { _ = stop() }

    var isRunning: Bool { process.isRunning }

    /// For signals and /proc; meaningless once the process has exited.
    var pid: pid_t { process.processIdentifier }

    /// Once `isRunning` is false: the exit status, or the number of the signal that ended proxyd.
    var termination: (status: Int32, bySignal: Bool) {
        (process.terminationStatus, process.terminationReason == .uncaughtSignal)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func logTail(maxCharacters: Int = 3000) -> String { String(log.suffix(maxCharacters)) }

    /// Stops proxyd; returns whether it was still running, i.e. had not crashed or exited on its own.
    func stop() -> Bool {
        let wasRunning = process.isRunning
        guard wasRunning else { return false }
        process.terminate()
        let deadline = DispatchTime.now().uptimeNanoseconds + 5_000_000_000
        while process.isRunning && DispatchTime.now().uptimeNanoseconds < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return true
    }

    private func waitUntilHealthy(timeout: Double) throws {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        var lastProblem = "no attempt"
        while DispatchTime.now().uptimeNanoseconds < deadline {
            guard process.isRunning else {
                usleep(100_000)
                throw TestSetupError("proxyd exited with status \(process.terminationStatus) before /healthz answered. "
                    + "Log:\n\(logTail())")
            }
            do {
                let connection = try RawHTTPConnection(port: port, timeout: 1)
                try connection.send(RequestBuilder.build("GET", "/healthz", headers: []))
                let response = try connection.readResponse()
                if response.status == 200 { return }
                lastProblem = "status \(response.status)"
            } catch {
                lastProblem = "\(error)"
            }
            usleep(50_000)
        }
        _ = stop()
        throw TestSetupError("proxyd did not answer GET /healthz with 200 within \(timeout) s (last: \(lastProblem)). "
            + "Log:\n\(logTail())")
    }

    /// The runner's environment minus anything proxyd would read as its own configuration.
    private static func cleanEnvironment() -> [String: String] {
        let foreign: Set<String> = ["PROXY", "GO_CHATGPT_API_PROXY", "GO_CHATGPT_API_PORT", "PORT",
                                    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"]
        return ProcessInfo.processInfo.environment.filter { name, _ in
            !name.hasPrefix("PROXYD_") && !foreign.contains(name)
        }
    }

    /// PROXYD_BINARY if set, else the `proxyd` next to the test bundle (both live in SwiftPM's bin directory),
    /// else `swift build --show-bin-path` of this package.
    static func binaryPath() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["PROXYD_BINARY"] { return explicit }
        var candidates: [String] = []
        for executable in [CommandLine.arguments.first, Bundle.main.executablePath].compactMap({ $0 }) {
            var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
            // On Linux the bundle is an executable in the bin directory; elsewhere it is a directory bundle.
            while directory.path != "/" {
                candidates.append(directory.appendingPathComponent("proxyd").path)
                if directory.lastPathComponent == "debug" || directory.lastPathComponent == "release" { break }
                directory.deleteLastPathComponent()
            }
        }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let binDirectory = try Command.run("swift", ["build", "--show-bin-path"], in: packageRoot)
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
        let path = URL(fileURLWithPath: binDirectory).appendingPathComponent("proxyd").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSetupError("proxyd binary not found (looked at \(candidates) and \(path)); run `swift build` first "
                + "or set PROXYD_BINARY")
        }
        return path
    }
}

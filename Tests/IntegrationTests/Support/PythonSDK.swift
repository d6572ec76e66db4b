import Dispatch
import Foundation

/// Runs a script of `Tests/IntegrationTests/Imitate/scripts/` with the OpenAI Python SDK that
/// `scripts/install-deps --test` puts in `.build-python/` (pinned there), pointed at proxyd's /imitate/v1 with
/// an access token as the API key. The scripts print one JSON object; `run` hands it back with what the process
/// printed and how it ended.
enum PythonSDK {
    struct Run {
        let status: Int32
        let output: String
        let errors: String
        let timedOut: Bool

        /// The JSON object the script printed last, nil when it printed none.
        var json: [String: Any]? {
            guard let line = output.split(separator: "\n").last else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }

        var explanation: String { "exit \(status)\(timedOut ? " (timed out)" : ""); stderr:\n\(errors.suffix(3000))\nstdout:\n\(output.prefix(2000))" }
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let interpreter = repository.appendingPathComponent(".build-python/bin/python").path
    static let scripts = repository.appendingPathComponent("Tests/IntegrationTests/Imitate/scripts")

    /// `script` (a file name in the scripts folder) with `spec` as its JSON argument. The process is killed after
    /// `timeout` seconds.
    static func run(_ script: String, spec: [String: Any] = [:], port: Int, apiKey: String,
                    timeout: Double = 60) throws -> Run {
        guard FileManager.default.isExecutableFile(atPath: interpreter) else {
            throw TestSetupError("no OpenAI SDK venv at \(interpreter): run scripts/install-deps --test")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interpreter)
        let argument = String(decoding: try JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys]), as: UTF8.self)
        process.arguments = [scripts.appendingPathComponent(script).path, argument]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OPENAI_") }
        environment["OPENAI_BASE_URL"] = "http://127.0.0.1:\(port)/imitate/v1"
        environment["OPENAI_API_KEY"] = apiKey
        environment["SDK_TIMEOUT"] = String(max(1, timeout - 5))
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        // The loopback address is never sent through a proxy the machine may name.
        for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"] {
            environment.removeValue(forKey: name)
        }
        environment["NO_PROXY"] = "*"
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()

        // Both pipes drained at once, so a chatty script cannot fill one and stall.
        let group = DispatchGroup()
        let outputBox = LateBox<NSData>()
        let errorBox = LateBox<NSData>()
        for (pipe, box) in [(output, outputBox), (errors, errorBox)] {
            group.enter()
            DispatchQueue.global().async {
                box.value = pipe.fileHandleForReading.readDataToEndOfFile() as NSData
                group.leave()
            }
        }
        let timedOut = group.wait(timeout: .now() + timeout) == .timedOut
        if timedOut {
            process.terminate()
            group.wait()
        }
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: (outputBox.value as Data?) ?? Data(), as: UTF8.self),
                   errors: String(decoding: (errorBox.value as Data?) ?? Data(), as: UTF8.self), timedOut: timedOut)
    }
}

import Foundation
import XCTest

/// The real `proxyd keys` commands writing a keys file, and the real `proxyd --check` reading it.
final class KeysCommandTests: XCTestCase {
    private struct Run {
        let status: Int32
        let output: String
        let errors: String
    }

    private var directory: URL!
    private var path: String { directory.appendingPathComponent("keys.jsonl").path }
    /// Everything any command printed except `keys add`'s one line with the key: no key may appear in it.
    private var transcript = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("proxyd-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { [directory] in try? FileManager.default.removeItem(at: directory!) }
    }

    private func proxyd(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ProxydProcess.binaryPath())
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PROXYD_") }
            .merging(environment) { $1 }
        process.currentDirectoryURL = directory
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: output, errors: errors)
    }

    /// Runs a command whose output goes into the transcript.
    private func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> Run {
        let result = try proxyd(arguments, environment: environment, input: input)
        transcript += result.output + result.errors
        return result
    }

    private func add(_ arguments: [String]) throws -> String {
        let result = try proxyd(["keys", "add", "--file", path] + arguments)
        XCTAssertEqual(result.status, 0, result.errors)
        XCTAssertTrue(result.errors.contains("This key is shown only now"), result.errors)
        transcript += result.errors
        let lines = result.output.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "the key alone on standard output")
        return String(lines.first ?? "")
    }

    private func sha256(_ text: String) throws -> String {
        let result = try Command.run("sh", ["-c", #"printf %s "$0" | sha256sum"#, text])
        return String(result.output.prefix(64))
    }

    func testAddListRevokeCheckAndTheServerReadsTheFile() throws {
        let alice = try add(["--name", "alice", "--rpm", "60", "--burst", "10", "--concurrency", "2", "--daily", "1000",
                             "--routes", "chatgpt,imitate", "--cidr", "10.0.0.0/8", "--cidr", "2001:db8::/32",
                             "--expires", "2030-01-01T00:00:00Z"])
        XCTAssertTrue(alice.hasPrefix("pxd_") && alice.count == 42, "not a key: \(alice.count) characters")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual(attributes[.posixPermissions] as? Int, 0o600)
        // An operator's comment, which the rewrite below must keep.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("# bob is the CI job\n".utf8))
        try handle.close()
        let bob = try add(["--name", "bob"])
        XCTAssertNotEqual(alice, bob)

        var file = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertFalse(file.contains(alice) || file.contains(bob), "the file holds a key")
        XCTAssertTrue(file.contains(#""sha256":"\#(try sha256(alice))""#), file)
        XCTAssertTrue(file.contains(#""sha256":"\#(try sha256(bob))""#), file)
        let lines = file.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines[1], "# bob is the CI job")
        XCTAssertTrue(lines[0].hasPrefix(#"{"id":"k_"#), String(lines[0]))
        let aliceID = lines[0].dropFirst(#"{"id":""#.count).prefix(10)

        let duplicate = try run(["keys", "add", "--file", path, "--name", "bob"])
        XCTAssertEqual(duplicate.status, 2)
        XCTAssertEqual(duplicate.errors, "\(path) already has a key named \"bob\"\n")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), file, "a refused add changes nothing")

        // The path from .env in the working directory, as serving would read it.
        try "PROXYD_KEYS_FILE=keys.jsonl\n".write(to: directory.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        let list = try run(["keys", "list"])
        XCTAssertEqual(list.status, 0, list.errors)
        let rows = list.output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        XCTAssertEqual(rows.count, 3, list.output)
        XCTAssertEqual(rows.first?.first, "ID")
        XCTAssertEqual(rows[1].map(String.init), [String(aliceID), "alice", "60/min", "burst", "10", "2", "1000",
                                                  "chatgpt,imitate", "10.0.0.0/8,2001:db8::/32", "2030-01-01T00:00:00Z",
                                                  "active"])
        XCTAssertEqual(rows[2].dropFirst().map(String.init), ["bob", "-", "-", "-", "all", "any", "never", "active"])

        let checked = try run(["keys", "check", "--file", path, alice])
        XCTAssertEqual(checked.status, 0, checked.errors)
        XCTAssertEqual(checked.output, "well-formed; matches \(aliceID) \"alice\": active\n")
        let fromInput = try run(["keys", "check"], environment: ["PROXYD_KEYS_FILE": path], input: bob + "\n")
        XCTAssertEqual(fromInput.status, 0, fromInput.errors)
        XCTAssertTrue(fromInput.output.hasSuffix("\"bob\": active\n"), fromInput.output)
        var mistyped = Array(alice)
        mistyped[10] = mistyped[10] == "a" ? "b" : "a"
        let malformed = try run(["keys", "check", "--file", path, String(mistyped)])
        XCTAssertEqual(malformed.status, 1)
        XCTAssertEqual(malformed.output, "malformed: its checksum does not match (mistyped or cut short)\n")

        let revoked = try run(["keys", "revoke", "--file", path, "alice"])
        XCTAssertEqual(revoked.status, 0, revoked.errors)
        XCTAssertEqual(revoked.output, "revoked \(aliceID) \"alice\"\n")
        let after = try String(contentsOfFile: path, encoding: .utf8)
        let afterLines = after.split(separator: "\n")
        XCTAssertEqual(String(afterLines[0]), lines[0].replacingOccurrences(of: #""disabled":false"#, with: #""disabled":true"#))
        XCTAssertEqual(afterLines[1...], lines[1...], "the comment and bob's line are as they were")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int, 0o600)
        let disabled = try run(["keys", "check", "--file", path, alice])
        XCTAssertEqual(disabled.status, 1)
        XCTAssertEqual(disabled.output, "well-formed; matches \(aliceID) \"alice\": disabled\n")
        XCTAssertTrue(try run(["keys", "list"]).output.contains(" disabled\n"))
        XCTAssertEqual(try run(["keys", "revoke", "--file", path, "carol"]).status, 2)

        let good = try run(["--check"], environment: ["PROXYD_KEYS_FILE": path])
        XCTAssertEqual(good.status, 0, good.errors)
        XCTAssertEqual(good.output, "configuration OK\n")

        let brokenPath = directory.appendingPathComponent("broken.jsonl").path
        file = after + "\n# a comment\n{\"id\":\"k_x\",\"name\":\"x\"}\n"
        try file.write(toFile: brokenPath, atomically: true, encoding: .utf8)
        let broken = try run(["--check"], environment: ["PROXYD_KEYS_FILE": brokenPath])
        XCTAssertEqual(broken.status, 2)
        XCTAssertEqual(broken.errors, "PROXYD_KEYS_FILE: \(brokenPath) line 6: sha256: missing\n")
        let appendToBroken = try run(["keys", "add", "--file", brokenPath, "--name", "carol"])
        XCTAssertEqual(appendToBroken.status, 2)
        XCTAssertEqual(try String(contentsOfFile: brokenPath, encoding: .utf8), file, "nothing appended to a broken file")

        for key in [alice, bob] { XCTAssertFalse(transcript.contains(key), "a key was printed again") }
        XCTAssertFalse(transcript.contains(try sha256(alice)), "a digest was printed")
    }
}

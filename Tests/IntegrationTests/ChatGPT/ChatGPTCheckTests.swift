import Foundation
import XCTest

/// `proxyd chatgpt-check` against the fake: every step with its status, the difficulty, and no conversation.
final class ChatGPTCheckTests: ChatGPTTestCase {
    private struct Run {
        let status: Int32
        let output: String
    }

    /// The check as a user runs it: settings in the environment, the token in CHATGPT_ACCESS_TOKEN or on stdin.
    private func check(token: String, viaStandardInput: Bool = false) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ProxydProcess.binaryPath())
        process.arguments = ["chatgpt-check"]
        var environment = ["PROXYD_CA_FILE": try TestPKI.shared.get().trustedCAPath, "PROXYD_LOG_LEVEL": "error",
                           "PATH": "/usr/bin:/bin"].merging(fake.settings) { $1 }
        if !viaStandardInput { environment["CHATGPT_ACCESS_TOKEN"] = token }
        process.environment = environment
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        if viaStandardInput { input.fileHandleForWriting.write(Data((token + "\n").utf8)) }
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: text)
    }

    func testEveryStepIsReportedAndNoMessageIsSent() throws {
        fake.configure { $0.difficulty = "00ffff" }
        let mark = fake.mark
        let run = try check(token: Self.accountA)
        XCTAssertEqual(run.status, 0, run.output)
        for line in ["  bootstrap: status 200", "  conduit prepare: status 200", "  sentinel prepare: status 200",
                     "  proof of work: difficulty 00ffff", "  sentinel finalize: status 200",
                     "ok: the site issued a requirements token"] {
            XCTAssertTrue(run.output.contains(line), "\(line) missing from:\n\(run.output)")
        }
        XCTAssertFalse(run.output.contains(Self.accountA), "the token is never printed")
        XCTAssertEqual(fake.refusals(since: mark), [])
        XCTAssertEqual(fake.records(.conversation, since: mark).count, 0, "a check sends no message")
        XCTAssertEqual(fake.records(.sentinelFinalize, since: mark).count, 1)
    }

    func testARefusedStepIsNamedAndTheTokenMayComeOnStandardInput() throws {
        fake.configure { $0.refusals[.sentinelFinalize] = (401, #"{"detail":"token expired"}"#) }
        let run = try check(token: Self.accountB, viaStandardInput: true)
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.output.contains("  sentinel finalize: status 401"), run.output)
        XCTAssertTrue(run.output.contains("refused: 401 chatgpt sentinel finalize: upstream answered 401: token expired"),
                      run.output)
    }

    func testNoTokenIsAnErrorBeforeAnythingIsSent() throws {
        let mark = fake.mark
        let run = try check(token: "", viaStandardInput: true)
        XCTAssertEqual(run.status, 2, run.output)
        XCTAssertTrue(run.output.contains("no access token"), run.output)
        XCTAssertEqual(fake.records(since: mark).count, 0)
    }
}

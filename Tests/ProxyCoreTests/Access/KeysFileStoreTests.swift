import Dispatch
import Foundation
import ProxyCore
import XCTest

final class KeysFileStoreTests: XCTestCase {
    private var directory = ""
    private var path: String { directory + "/keys.jsonl" }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("proxyd-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { [directory] in try? FileManager.default.removeItem(atPath: directory) }
    }

    private func record(_ number: Int, disabled: Bool = false) throws -> KeyRecord {
        var fields = KeyRecordFields()
        fields.id = "k_\(number)"
        fields.name = "user \(number)"
        fields.sha256 = String(format: "%064x", number)
        fields.created = "2026-05-01T12:00:00Z"
        fields.disabled = disabled
        return try fields.record()
    }

    private func contents() throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    private func mode() throws -> Int {
        try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    /// Whatever the umask, the owner can read and write the new file and nobody else can read it.
    func testAppendCreatesTheFileWithMode0600() throws {
        let old = umask(0o277)
        defer { umask(old) }
        try KeysFileStore.append(path: path) { file in
            XCTAssertTrue(file.entries.isEmpty)
            return try self.record(1)
        }
        XCTAssertEqual(try mode(), 0o600)
        XCTAssertEqual(try contents(), try record(1).jsonLine + "\n")
    }

    func testAppendSeesTheRecordsAndKeepsTheRest() throws {
        try "# team\n\(try record(1).jsonLine)".write(toFile: path, atomically: false, encoding: .utf8)
        try KeysFileStore.append(path: path) { file in
            XCTAssertEqual(file.records.map(\.id), ["k_1"])
            return try self.record(2)
        }
        XCTAssertEqual(try contents(), "# team\n\(try record(1).jsonLine)\n\(try record(2).jsonLine)\n")
    }

    func testNothingIsAppendedToAFileThatDoesNotParse() throws {
        let broken = "\(try record(1).jsonLine)\n{\"id\":\n"
        try broken.write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try KeysFileStore.append(path: path) { _ in
            XCTFail("the record must not be made")
            return try self.record(2)
        }) { error in
            XCTAssertEqual("\(error)", "\(self.path) line 2: not valid JSON")
        }
        XCTAssertEqual(try contents(), broken)
    }

    func testAFailureWhileMakingTheRecordWritesNothing() throws {
        try "\(try record(1).jsonLine)\n".write(toFile: path, atomically: false, encoding: .utf8)
        struct Refused: Error {}
        XCTAssertThrowsError(try KeysFileStore.append(path: path) { _ in throw Refused() }) { XCTAssertTrue($0 is Refused) }
        XCTAssertEqual(try contents(), "\(try record(1).jsonLine)\n")
    }

    func testReplaceRewritesOneLineKeepingModeAndEveryOtherByte() throws {
        let before = "# a comment\r\n\(try record(1).jsonLine)\r\n\n  \(try record(2).jsonLine)\n# end"
        try before.write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertEqual(chmod(path, 0o640), 0)
        try KeysFileStore.replace(path: path) { file in
            let entry = try XCTUnwrap(file.entry(idOrName: "user 2"))
            return (entry, try self.record(2, disabled: true))
        }
        XCTAssertEqual(try contents(), "# a comment\r\n\(try record(1).jsonLine)\r\n\n\(try record(2, disabled: true).jsonLine)\n# end")
        XCTAssertEqual(try mode(), 0o640)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["keys.jsonl"], "no temporary file left")
    }

    func testReplaceWithNothingToChangeLeavesTheFileAlone() throws {
        try "\(try record(1).jsonLine)\n".write(toFile: path, atomically: false, encoding: .utf8)
        let inode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int)
        try KeysFileStore.replace(path: path) { _ in nil }
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int, inode)
    }

    func testReplaceNeedsTheFile() {
        XCTAssertThrowsError(try KeysFileStore.replace(path: path) { _ in nil }) { error in
            XCTAssertEqual("\(error)", "\(self.path): cannot be opened: No such file or directory")
        }
    }

    /// Appends and rewrites run at once from many threads (each its own open file, as separate commands have):
    /// the lock, and taking it again on the new file after a rename, lose none of them.
    func testConcurrentAppendsAndRewritesLoseNothing() throws {
        try "\(try record(0).jsonLine)\n".write(toFile: path, atomically: false, encoding: .utf8)
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 40) { index in
            do {
                if index % 2 == 0 {
                    try KeysFileStore.append(path: path) { _ in try self.record(index + 1) }
                } else {
                    try KeysFileStore.replace(path: path) { file in
                        let entry = file.entries[0]
                        var toggled = entry.record
                        toggled.disabled.toggle()
                        return (entry, toggled)
                    }
                }
            } catch {
                failures.add("\(error)")
            }
        }
        XCTAssertEqual(failures.all, [])
        let records = try KeysFile.read(path).records
        XCTAssertEqual(Set(records.map(\.id)), Set(["k_0"] + stride(from: 1, through: 39, by: 2).map { "k_\($0)" }))
        XCTAssertFalse(records[0].disabled, "20 toggles leave the first record as it was")
    }
}

private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var texts: [String] = []

    func add(_ text: String) {
        lock.lock()
        texts.append(text)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return texts
    }
}

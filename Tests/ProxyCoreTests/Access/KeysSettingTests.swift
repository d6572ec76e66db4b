import Foundation
import ProxyCore
import XCTest

final class KeysSettingTests: XCTestCase {
    func testUnsetMeansNoKeys() throws {
        XCTAssertNil(try Configuration.load([:]).keys)
        XCTAssertNil(try Configuration.load(["PROXYD_KEYS_FILE": " "]).keys)
    }

    func testTheFileIsReadIntoTheTable() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).jsonl").path
        defer { unlink(path) }
        let key = AccessKey.generate()
        let digest = try AccessKey.digest(key).get()
        try #"{"id":"k_1","name":"one","sha256":"\#(digest.hex)","created":"2026-05-01T12:00:00Z"}"#
            .write(toFile: path, atomically: false, encoding: .utf8)
        let table = try XCTUnwrap(Configuration.load(["PROXYD_KEYS_FILE": path]).keys)
        XCTAssertEqual(table.slot(of: digest).map { table.records[$0].name }, "one")

        try "# broken\n{}\n".write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try Configuration.load(["PROXYD_KEYS_FILE": path])) { error in
            XCTAssertEqual("\(error)", "PROXYD_KEYS_FILE: \(path) line 2: id: missing")
        }
    }

    func testAMissingFileStopsStartup() {
        XCTAssertThrowsError(try Configuration.load(["PROXYD_KEYS_FILE": "/nonexistent/keys.jsonl"])) { error in
            XCTAssertEqual("\(error)", "PROXYD_KEYS_FILE: /nonexistent/keys.jsonl: cannot be read: No such file or directory")
        }
    }

    /// `proxyd keys` reads only the path, so that it still works while another setting is wrong.
    func testThePathAloneIsReadWithTheUsualPrecedence() {
        let merged = Configuration.merge([["PROXYD_KEYS_FILE": "/from/env"], ["PROXYD_KEYS_FILE": "/from/dotenv",
                                                                              "PROXYD_WORKERS": "bad"]])
        XCTAssertEqual(Configuration.text(of: .keysFile, in: merged), "/from/env")
        XCTAssertNil(Configuration.text(of: .keysFile, in: ["PROXYD_WORKERS": "2"]))
    }
}

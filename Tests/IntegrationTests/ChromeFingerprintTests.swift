import Foundation
import XCTest

/// proxyd's upstream ClientHello with the `chrome` profile, as the shared capture tool (../shared/tools/
/// fpcapture.py, a loopback TLS server that fingerprints what it receives) sees it: Chrome 156's JA4,
/// with the extension order changing between connections as Chrome's does.
final class ChromeFingerprintTests: XCTestCase {
    /// Tests/ProxyCoreTests/Fixtures/Fingerprints/chromium_headless.json: a real Chromium 156 against the same tool.
    private static let chromeJA4 = "t13d1517h2_8daaf6152771_cb7bf5808d99"

    /// The same record's ClientHello lists, each with one GREASE value first (written here as 0x0a0a)
    /// and, for extensions, in sorted order since Chrome permutes them.
    private static let chromeHello: [String: [Int]] = [
        "ciphers": [0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
                    0x009c, 0x009d, 0x002f, 0x0035],
        "supported_groups": [0x0a0a, 0x11ec, 0x001d, 0x0017, 0x0018],
        "signature_algorithms": [0x0a0a, 0x0904, 0x0905, 0x0906, 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501,
                                 0x0806, 0x0601],
        "supported_versions": [0x0a0a, 0x0304, 0x0303],
        "extensions": [0, 5, 10, 11, 13, 16, 18, 23, 27, 35, 43, 45, 51, 17613, 51764, 65037, 65281],
    ]

    /// ../shared/tools relative to the repository root, where CI keeps it.
    private static var toolsDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/tools")
    }

    func testTwoUpstreamConnectionsHaveChromesJA4AndDifferentExtensionOrders() throws {
        let tool = Self.toolsDirectory.appendingPathComponent("fpcapture.py")
        guard FileManager.default.fileExists(atPath: tool.path) else {
            throw XCTSkip("\(tool.path) is absent: the fingerprint check needs the shared tools next to the repository")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("proxyd-fingerprint-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificates = directory.appendingPathComponent("certs")
        let made = try Command.run("python3", [tool.path, "--make-cert", certificates.path])
        XCTAssertEqual(made.status, 0, made.errors)
        let caFile = made.output.trimmingCharacters(in: .whitespacesAndNewlines)

        let port = try LoopbackSocket.unusedPort()
        let logFile = directory.appendingPathComponent("captures.jsonl")
        let outFile = directory.appendingPathComponent("last.json")
        let capture = Process()
        capture.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // The tool answers each request and then sends GOAWAY, so two requests are two connections.
        capture.arguments = ["python3", tool.path, "--cert", certificates.appendingPathComponent("server.pem").path,
                             "--key", certificates.appendingPathComponent("server.key").path,
                             "--host", "127.0.0.1", "--port", String(port), "--max-conns", "2", "--requests-only",
                             "--log", logFile.path, "--out", outFile.path, "--label", "proxyd-chrome"]
        capture.standardOutput = FileHandle.nullDevice
        capture.standardError = FileHandle.nullDevice
        try capture.run()
        defer {
            if capture.isRunning { capture.terminate() }
            capture.waitUntilExit()
        }
        try LoopbackSocket.waitForListener(port: port, process: capture, name: "fpcapture.py")

        // A fresh proxyd per request: a second connection from one process resumes its TLS session, as
        // Chrome's would, and a resumed hello adds pre_shared_key (SessionResumptionTests covers that JA4).
        for _ in 0..<2 {
            // localhost, not 127.0.0.1: without SNI the JA4 would start with t13i.
            let proxyd = try ProxydProcess(settings: [
                "PROXYD_CHATGPT_URL": "https://localhost:\(port)", "PROXYD_CA_FILE": caFile,
                "PROXYD_TLS_PROFILE": "chrome", "PROXYD_WORKERS": "1", "PROXYD_LOG_LEVEL": "debug",
            ])
            let connection = try RawHTTPConnection(port: proxyd.port, timeout: 15)
            try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/models"))
            let response = try connection.readResponse()
            XCTAssertEqual(response.status, 200, "\(response.bodyText.prefix(300)) log:\n\(proxyd.logTail())")
            // The tool answers with its record, so the body alone already shows the fingerprint.
            XCTAssertTrue(response.bodyText.contains(Self.chromeJA4), String(response.bodyText.prefix(300)))
            _ = proxyd.stop()
        }

        // The log also holds the readiness probe's connection, which sent no ClientHello.
        let records = try String(contentsOf: logFile, encoding: .utf8).split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }.filter { ($0["ja4"] as? String)?.isEmpty == false }
        XCTAssertEqual(records.count, 2)
        let last = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: outFile)) as? [String: Any])
        XCTAssertEqual(last["ja4"] as? String, Self.chromeJA4)
        for record in records {
            XCTAssertEqual(record["ja4"] as? String, Self.chromeJA4)
            try assertChromeHello(record)
        }
        guard records.count == 2 else { return }
        // JA3 keeps the wire order of extensions; the permutation makes it differ. The chance that two
        // random orders of 17 extensions coincide is negligible.
        XCTAssertNotEqual(records[0]["ja3"] as? String, records[1]["ja3"] as? String)
        XCTAssertEqual(records[0]["ja3n"] as? String, records[1]["ja3n"] as? String)
    }

    /// Compares the lists JA4 hashes or leaves out (GREASE, the order of extensions) with Chrome's.
    private func assertChromeHello(_ record: [String: Any]) throws {
        let hello = try XCTUnwrap(record["tls"] as? [String: Any])
        let isGrease = { (value: Int) in value & 0x0f0f == 0x0a0a && value >> 8 == value & 0xff }
        for (field, expected) in Self.chromeHello {
            let values = try XCTUnwrap(hello[field] as? [Int], field)
            if field == "extensions" {
                // Two GREASE extensions, first and last; the 17 real ones in any order.
                XCTAssertTrue(values.count == 19 && isGrease(values[0]) && isGrease(values[18]), "\(values)")
                XCTAssertEqual(values.filter { !isGrease($0) }.sorted(), expected)
            } else {
                XCTAssertEqual(values.map { isGrease($0) ? 0x0a0a : $0 }, expected, field)
            }
        }
        let shares = try XCTUnwrap(hello["key_share"] as? [[String: Any]]).compactMap { $0["group"] as? Int }
        XCTAssertEqual(shares.map { isGrease($0) ? 0x0a0a : $0 }, [0x0a0a, 0x11ec, 0x001d])
    }
}

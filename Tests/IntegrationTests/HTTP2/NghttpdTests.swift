import Foundation
import XCTest

/// nghttpd (nghttp2-server) as an HTTP/2 upstream written by other people than both proxyd and the NIO fixture:
/// a static file and an echoed upload pass through proxyd intact.
final class NghttpdTests: HTTP2TestCase {
    private static let fileSize = 3 << 20
    private static let uploadSize = 5 << 20

    /// Runs nghttpd on a loopback port serving `documentRoot`, with proxyd's ChatGPT side pointing at it.
    private func withNghttpd(_ body: (ProxydProcess) throws -> Void) throws {
        let root = env.pki.directory.appendingPathComponent("nghttpd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("backend-api"),
                                                withIntermediateDirectories: true)
        try Data(TestPattern.bytes(count: Self.fileSize))
            .write(to: root.appendingPathComponent("backend-api/static.bin"))
        let port = try LoopbackSocket.unusedPort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["nghttpd", "--echo-upload", "-a", "127.0.0.1", "-d", root.path, String(port),
                            env.pki.serverKeyPath, env.pki.serverCertificatePath]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        do {
            try server.run()
        } catch {
            throw XCTSkip("nghttpd is not installed (apt nghttp2-server): \(error)")
        }
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        try LoopbackSocket.waitForListener(port: port, process: server, name: "nghttpd")
        let proxyd = try ProxydProcess(settings: ProxydProcess.baseSettings(pki: env.pki).merging([
            "PROXYD_CHATGPT_URL": "https://localhost:\(port)", "PROXYD_PLATFORM_URL": h2.platform.baseURL,
            "PROXYD_WORKERS": "1",
        ]) { $1 })
        try body(proxyd)
        let log = proxyd.logTail()
        XCTAssertTrue(proxyd.stop(), "proxyd in front of nghttpd died. Log tail:\n\(log)")
    }

    func testStaticFileAndEchoedUploadThroughNghttpd() throws {
        try withNghttpd { proxyd in
            let file = try RawHTTPConnection(port: proxyd.port, timeout: 30)
            try file.send(RequestBuilder.build("GET", "/chatgpt/backend-api/static.bin"))
            let download = try file.readResponse()
            XCTAssertEqual(download.status, 200, download.bodyText.prefix(300).description)
            XCTAssertTrue(download.complete)
            XCTAssertEqual(download.body.count, Self.fileSize)
            XCTAssertEqual(FNV1a.hash(download.body), FNV1a.hash(TestPattern.bytes(count: Self.fileSize)))

            let upload = TestPattern.bytes(count: Self.uploadSize, startingAt: 7)
            let echo = try RawHTTPConnection(port: proxyd.port, timeout: 30)
            try echo.send(RequestBuilder.build("POST", "/chatgpt/backend-api/echo", headers: [
                RequestBuilder.defaultAuthorization, ("Content-Type", "application/octet-stream"),
            ], body: upload))
            let echoed = try echo.readResponse(method: "POST")
            XCTAssertEqual(echoed.status, 200, echoed.bodyText.prefix(300).description)
            XCTAssertTrue(echoed.complete)
            XCTAssertEqual(echoed.body.count, upload.count)
            XCTAssertEqual(FNV1a.hash(echoed.body), FNV1a.hash(upload))

            let missing = try RawHTTPConnection(port: proxyd.port, timeout: 10)
            try missing.send(RequestBuilder.build("GET", "/chatgpt/backend-api/missing.bin"))
            XCTAssertEqual(try missing.readResponse().status, 404, "nghttpd's own 404 is relayed")
        }
    }
}

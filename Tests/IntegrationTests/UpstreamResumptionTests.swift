import Foundation
import XCTest

/// The real binary resumes its upstream TLS sessions. `openssl s_server -www` is the upstream: it closes
/// after each HTTP/1.0 answer, so every request is a new upstream connection, and its page says whether
/// that connection's session was "New" or "Reused".
final class UpstreamResumptionTests: XCTestCase {
    func testSecondUpstreamConnectionResumes() throws {
        let pki = try TestPKI.shared.get()
        for profile in ["chrome", "openssl"] {
            let port = try LoopbackSocket.unusedPort()
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            server.arguments = ["openssl", "s_server", "-accept", "127.0.0.1:\(port)", "-cert", pki.serverCertificatePath,
                                "-key", pki.serverKeyPath, "-alpn", "http/1.1", "-www"]
            server.standardOutput = FileHandle.nullDevice
            server.standardError = FileHandle.nullDevice
            server.standardInput = FileHandle.nullDevice
            try server.run()
            defer {
                if server.isRunning { server.terminate() }
                server.waitUntilExit()
            }
            try LoopbackSocket.waitForListener(port: port, process: server, name: "s_server")

            let proxyd = try ProxydProcess(settings: ProxydProcess.baseSettings(pki: pki).merging([
                "PROXYD_CHATGPT_URL": "https://localhost:\(port)", "PROXYD_TLS_PROFILE": profile, "PROXYD_WORKERS": "1",
            ]) { $1 })
            let sessions = try (0..<3).map { _ -> String in
                let connection = try RawHTTPConnection(port: proxyd.port, timeout: 15)
                try connection.send(RequestBuilder.build("GET", "/chatgpt/backend-api/models"))
                let response = try connection.readResponse()
                XCTAssertEqual(response.status, 200, "\(profile): \(response.bodyText.prefix(300)) log:\n\(proxyd.logTail())")
                return ["New", "Reused"].first { response.bodyText.contains("\n\($0), TLSv1.3, ") } ?? response.bodyText
            }
            XCTAssertEqual(sessions, ["New", "Reused", "Reused"], profile)
            XCTAssertTrue(proxyd.stop(), profile)
        }
    }
}

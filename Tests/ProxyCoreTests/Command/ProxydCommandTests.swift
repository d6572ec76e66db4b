import ProxyCore
import XCTest

/// Runs the built `proxyd` binary, since an executable target cannot be imported by this test target.
final class ProxydCommandTests: XCTestCase {
    func testHelpDocumentsEverySettingAndNothingElse() throws {
        let help = try run(["--help"]).stdout
        for setting in Configuration.settings {
            XCTAssertTrue(help.contains("--\(setting.flag) <"), setting.flag)
            XCTAssertTrue(help.contains(setting.envName), setting.envName)
        }
        let flagsInHelp = Set(help.split(whereSeparator: { $0 == " " || $0 == "\n" })
            .filter { $0.hasPrefix("--") }.map { String($0.dropFirst(2)).trimmingCharacters(in: .punctuationCharacters) })
        XCTAssertEqual(flagsInHelp, Set(Configuration.settings.map(\.flag) + ["check", "help", "version"]))
    }

    /// The version proxyd names itself by, the same as its build_info metric.
    func testVersion() throws {
        XCTAssertEqual(try run(["--version"]).stdout, BuildInfo.version + "\n")
    }

    /// A bad value given by flag must be reported under the setting's name: this proves each flag's mapping.
    func testEveryFlagReachesItsSetting() throws {
        let bad: [SettingKey: String] = [
            .listen: "x", .adminListen: "on", .upstreamProxy: "ftp://h:1", .chatgptURL: "x", .platformURL: "x", .authURL: "x",
            .platformWebURL: "x", .tlsProfile: "x", .caFile: "/nonexistent", .resolve: "x", .dnsServers: "x",
            .dnsTimeout: "0", .dnsMinTTL: "x", .dnsMaxTTL: "0", .dnsNegativeTTL: "x",
            .workers: "0", .maxBodyBytes: "x", .headerTimeout: "0", .idleTimeout: "0", .connectTimeout: "0",
            .upstreamTimeout: "0", .upstreamPingAfter: "0", .upstreamIdleClose: "x", .logLevel: "x",
            .loginTimeout: "0", .maxLoginsPerWorker: "0", .drainTimeout: "0", .accessLog: "x",
            .proxyPolicy: "random", .proxyTimeout: "0", .tlsTimeout: "x",
            .chatgptSentinel: "2025", .powMaxDifficulty: "00x", .powMaxSolves: "0", .chatgptBuildNumber: "v1",
            .chatgptMaxAccounts: "0", .chatgptAccountIdle: "0", .imitateContinue: "11", .imitateHistory: "yes",
            .tokenizer: "relative/path", .keysFile: "/nonexistent", .maxConnections: "0", .maxStreams: "none", .logFormat: "xml", .limits: "off",
        ]
        for setting in Configuration.settings {
            let value = try XCTUnwrap(bad[setting.key], setting.envName)
            let result = try run(["--check", "--\(setting.flag)", value])
            XCTAssertEqual(result.status, 2, setting.flag)
            XCTAssertTrue(result.stderr.hasPrefix("\(setting.envName): "), result.stderr)
            XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
        }
    }

    func testValidFlagsPass() throws {
        let ok = try run(["--check", "--listen", "127.0.0.1:18080", "--workers", "2", "--header-timeout", "0.5"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(ok.stdout, "configuration OK\n")
    }

    func testFlagBeatsEnvironmentBeatsDotEnv() throws {
        let directory = try temporaryDirectory()
        try "# settings\nPROXYD_WORKERS=abc\n".write(to: directory.appendingPathComponent(".env"), atomically: true,
                                                   encoding: .utf8)
        let fromFile = try run(["--check"], in: directory)
        XCTAssertEqual(fromFile.status, 2)
        XCTAssertEqual(fromFile.stderr, "PROXYD_WORKERS: expected a whole number from 1 to 256, got \"abc\"\n")

        let environmentWins = try run(["--check"], environment: ["PROXYD_WORKERS": "2"], in: directory)
        XCTAssertEqual(environmentWins.status, 0, environmentWins.stderr)

        let flagWins = try run(["--check", "--workers", "2"], environment: ["PROXYD_WORKERS": "x"], in: directory)
        XCTAssertEqual(flagWins.status, 0, flagWins.stderr)
    }

    func testBadDotEnvNamesItsLine() throws {
        let directory = try temporaryDirectory()
        try "A=1\nnonsense\n".write(to: directory.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        let result = try run(["--check"], in: directory)
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, ".env line 2: expected KEY=VALUE\n")
    }

    /// Each browser profile's reference capture (Fixtures/Fingerprints), the JA4 proxyd sends, and what of the
    /// reference BoringSSL in swift-nio-ssl 2.37.6 cannot send (the profile's *_profile.c says why): no more,
    /// no less may differ.
    private struct BrowserFingerprint {
        var profile, reference, ja4: String
        var missingCiphers: Set<String> = [], missingExtensions: Set<String> = [], missingSigalgs: [String] = []

        var exact: Bool { missingCiphers.isEmpty && missingExtensions.isEmpty && missingSigalgs.isEmpty }
    }

    private static let browserProfiles = [
        BrowserFingerprint(profile: "chrome", reference: "chromium_headless.json", ja4: "t13d1517h2_8daaf6152771_cb7bf5808d99"),
        // Padding (21) included: the shim rebuilds Edge's and OkHttp's hellos until they end in it.
        BrowserFingerprint(profile: "edge", reference: "curl_cffi_edge101.json", ja4: "t13d1516h2_8daaf6152771_e5627efa2ab1"),
        // No ECDHE 3DES suites; Safari's second 0805 is a duplicate BoringSSL refuses.
        BrowserFingerprint(profile: "safari", reference: "curl_cffi_safari270.json", ja4: "t13d1813h2_e8a523a41297_2590684db98f",
                           missingCiphers: ["c008", "c012"], missingSigalgs: ["0805"]),
        // No record_size_limit, no delegated_credentials.
        BrowserFingerprint(profile: "firefox", reference: "firefox_esr_headless.json", ja4: "t13d1615h2_86a278354501_c1eccb039341",
                           missingExtensions: ["001c", "0022"]),
        BrowserFingerprint(profile: "okhttp", reference: "tls_client_okhttp4_android_13.json",
                           ja4: "t13d1513h2_8daaf6152771_eca864cca44a"),
    ]

    /// The whole loop: proxyd's own upstream code against the built-in capture listener, on loopback.
    func testFingerprintOfEachBrowserProfileIsItsReferenceBarWhatBoringSSLCannotSend() throws {
        for expected in Self.browserProfiles {
            let label = expected.profile
            let reference = try FingerprintFixture.load(expected.reference)
            let result = try run(["fingerprint", "--profile", expected.profile])
            XCTAssertEqual(result.status, 0, "\(label): \(result.stderr)")
            let rows = fingerprintRows(result.stdout)
            XCTAssertEqual(rows["profile"], expected.profile)
            XCTAssertEqual(rows["tls"], "TLSv1.3, ALPN h2", label)
            XCTAssertEqual(rows["ja4"], expected.ja4, label)
            XCTAssertEqual(rows["ja4_r"], Self.ja4R(reference.ja4_r, without: expected), label)
            XCTAssertEqual(rows["akamai"], reference.akamai, label)
            XCTAssertEqual(rows["response"], "HTTP/1.1 200 OK", label)
            if expected.exact {
                XCTAssertEqual(rows["ja4"], reference.ja4, label)
                XCTAssertEqual(rows["ja4_r"], reference.ja4_r, label)
                XCTAssertEqual(rows["ja3n"], reference.ja3n_md5, label)
            }
            if expected.profile == "chrome" {
                XCTAssertEqual(rows["headers"]?.hasPrefix(":method,:authority,:scheme,:path,"), true, result.stdout)
                XCTAssertEqual(rows["headers"]?.contains("authorization"), true, result.stdout)
            }
        }
    }

    /// A reference JA4_r with the codes a profile cannot send taken out and its counts adjusted.
    private static func ja4R(_ reference: String, without expected: BrowserFingerprint) -> String {
        let parts = reference.split(separator: "_").map(String.init)
        guard parts.count == 4, let ciphers = Int(parts[0].dropFirst(4).prefix(2)),
              let extensions = Int(parts[0].dropFirst(6).prefix(2)) else { return "malformed \(reference)" }
        var sigalgs = parts[3].split(separator: ",").map(String.init)
        for code in expected.missingSigalgs {
            if let index = sigalgs.firstIndex(of: code) { sigalgs.remove(at: index) }
        }
        let counts = String(format: "%02d%02d", ciphers - expected.missingCiphers.count,
                            extensions - expected.missingExtensions.count)
        return [
            parts[0].prefix(4) + counts + parts[0].dropFirst(8),
            parts[1].split(separator: ",").filter { !expected.missingCiphers.contains(String($0)) }.joined(separator: ","),
            parts[2].split(separator: ",").filter { !expected.missingExtensions.contains(String($0)) }.joined(separator: ","),
            sigalgs.joined(separator: ","),
        ].joined(separator: "_")
    }

    func testFingerprintOfOpenSSLIsNotChrome() throws {
        let result = try run(["fingerprint", "--profile", "openssl"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let ja4 = try XCTUnwrap(fingerprintRows(result.stdout)["ja4"], result.stdout)
        XCTAssertTrue(ja4.hasPrefix("t13d"), ja4)
        XCTAssertNotEqual(ja4, "t13d1517h2_8daaf6152771_cb7bf5808d99")
    }

    func testFingerprintRejectsUnknownProfile() throws {
        let result = try run(["fingerprint", "--profile", "netscape"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.hasPrefix("PROXYD_TLS_PROFILE: "), result.stderr)
    }

    /// `name   value` lines of the fingerprint table.
    private func fingerprintRows(_ table: String) -> [String: String] {
        var rows: [String: String] = [:]
        for line in table.split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            rows[String(line[..<space])] = line[space...].trimmingCharacters(in: .whitespaces)
        }
        return rows
    }

    private struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) throws -> Result {
        let built = Bundle.main.bundleURL.appendingPathComponent("proxyd")
        let binary = try XCTUnwrap(FileManager.default.isExecutableFile(atPath: built.path) ? built : nil,
                                   "the proxyd binary is not built at \(built.path)")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        // The runner's own PORT or PROXY (common on CI machines) must not leak into the settings under test.
        let inherited = ProcessInfo.processInfo.environment.filter { name, _ in
            !Configuration.settings.contains { $0.envName == name || $0.aliases.contains(name) }
                && !name.hasPrefix("PROXYD_")
        }
        process.environment = inherited.merging(environment) { $1 }
        process.currentDirectoryURL = try directory ?? temporaryDirectory()
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("proxyd-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

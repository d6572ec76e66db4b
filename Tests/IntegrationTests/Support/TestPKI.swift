import Foundation

/// Throwaway certificates made with the `openssl` CLI, so the fixture's trust chain is independent of
/// proxyd's own TLS code: a CA whose PEM proxyd trusts via PROXYD_CA_FILE, a server certificate signed by it
/// for `localhost`, `upstream.proxyd.test`, the login fake's names, `*.dns.proxyd.test` and 127.0.0.1, and a second server certificate signed by a CA proxyd
/// does not know.
struct TestPKI {
    let directory: URL
    let trustedCAPath: String
    let serverCertificatePath: String
    let serverKeyPath: String
    let untrustedCertificatePath: String
    let untrustedKeyPath: String

    /// Generated once per test process; every fixture and proxyd instance uses the same files.
    static let shared: Result<TestPKI, Error> = Result { try TestPKI.generate() }

    static func generate() throws -> TestPKI {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("proxyd-itest-pki-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = { (name: String) in dir.appendingPathComponent(name).path }

        let serverExtensions = """
            subjectAltName=DNS:localhost,DNS:\(madeUpHostName),\(fakeAuthNames),DNS:*.\(dnsTestDomain),IP:127.0.0.1
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature,keyEncipherment
            extendedKeyUsage=serverAuth

            """
        try serverExtensions.write(toFile: path("server.ext"), atomically: true, encoding: .utf8)

        for ca in ["ca", "other-ca"] {
            try openssl([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", path("\(ca).key"), "-out", path("\(ca).pem"), "-days", "2",
                "-subj", "/CN=proxyd itest \(ca)",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        }
        for (leaf, ca) in [("server", "ca"), ("untrusted", "other-ca")] {
            try openssl([
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", path("\(leaf).key"), "-out", path("\(leaf).csr"), "-subj", "/CN=localhost",
            ])
            try openssl([
                "x509", "-req", "-in", path("\(leaf).csr"), "-CA", path("\(ca).pem"), "-CAkey", path("\(ca).key"),
                "-set_serial", leaf == "server" ? "1001" : "2002", "-days", "2",
                "-extfile", path("server.ext"), "-out", path("\(leaf).pem"),
            ])
        }
        return TestPKI(
            directory: dir,
            trustedCAPath: path("ca.pem"),
            serverCertificatePath: path("server.pem"),
            serverKeyPath: path("server.key"),
            untrustedCertificatePath: path("untrusted.pem"),
            untrustedKeyPath: path("untrusted.key")
        )
    }

    /// The login fake's hosts (`FakeAuthHosts`), reached through PROXYD_RESOLVE like `madeUpHostName`.
    private static let fakeAuthNames = FakeAuthHosts.hostNames.map { "DNS:" + $0 }.joined(separator: ",")

    /// A name no DNS server knows, so reaching the fixture under it proves PROXYD_RESOLVE was used.
    static let madeUpHostName = "upstream.proxyd.test"

    /// Names under it are served by the DNS tests' dnsmasq.
    static let dnsTestDomain = "dns.proxyd.test"

    private static func openssl(_ arguments: [String]) throws {
        let result = try Command.run("openssl", arguments)
        guard result.status == 0 else {
            throw TestSetupError("openssl \(arguments.joined(separator: " ")) failed: \(result.errors)")
        }
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import Foundation
import Glibc
import XCTest

/// A throwaway CA and a server certificate for `localhost` and 127.0.0.1, made with the openssl CLI.
struct TestCertificates: Sendable {
    let directory: String
    var caFile: String { directory + "/ca.pem" }
    var certFile: String { directory + "/server.pem" }
    var keyFile: String { directory + "/server.key" }

    /// One set per test process: key generation is the slow part and the files are read-only.
    static let shared = Result { try TestCertificates() }

    private init() throws {
        directory = NSTemporaryDirectory() + "proxyd-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try runOpenSSL(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                                               "-subj", "/CN=proxyd test CA"])
        try runOpenSSL(["req", "-new"] + ec + ["-keyout", "server.key", "-out", "server.csr",
                                              "-subj", "/CN=localhost"])
        let extensions = "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
            + "extendedKeyUsage=serverAuth\n"
        try extensions.write(toFile: directory + "/ext.cnf", atomically: true, encoding: .utf8)
        try runOpenSSL(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                        "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem"])
    }

    private func runOpenSSL(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError("openssl \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `openssl s_server` on a kernel-chosen loopback port, answering `-www` pages with ALPN http/1.1.
/// The page says "New, " or "Reused, " before the session it used. `arguments` are added to s_server's
/// (e.g. -tls1_2). The test case's teardown kills it, whatever the test's outcome.
final class OpenSSLServer {
    let port: UInt16
    private let process: Process
    // Held open for s_server's lifetime: it writes a line per connection, and a closed pipe would kill it.
    private let output: Pipe

    init(certificates: TestCertificates, arguments: [String] = [], registeringTeardownIn testCase: XCTestCase) throws {
        var lastError = FixtureError("no attempt")
        // The free port is chosen before s_server binds it, so another process may take it first.
        for _ in 0..<3 {
            let port = try Self.freeLoopbackPort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl", "s_server", "-accept", "127.0.0.1:\(port)",
                                 "-cert", certificates.certFile, "-key", certificates.keyFile,
                                 "-alpn", "http/1.1", "-www"] + arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            testCase.addTeardownBlock {
                if process.isRunning { process.terminate() }
                process.waitUntilExit()
            }
            do {
                try Self.waitForAccept(output.fileHandleForReading.fileDescriptor)
                self.port = port
                self.process = process
                self.output = output
                return
            } catch let error as FixtureError {
                lastError = error
                if process.isRunning { process.terminate() }
            }
        }
        throw lastError
    }

    /// Ends s_server abruptly: the kernel closes its sockets without a TLS close_notify.
    func kill() {
        process.terminate()
        process.waitUntilExit()
    }

    private static func freeLoopbackPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = loopbackAddress(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw FixtureError("bind: \(String(cString: strerror(errno)))") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// s_server prints ACCEPT once it listens.
    private static func waitForAccept(_ fd: Int32) throws {
        var seen = ""
        let deadline = Date().addingTimeInterval(10)
        while !seen.contains("ACCEPT") {
            let remaining = Int32(deadline.timeIntervalSinceNow * 1000)
            guard remaining > 0 else { throw FixtureError("s_server did not start; output: \(seen)") }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, remaining) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 1024)
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { throw FixtureError("s_server exited; output: \(seen)") }
            seen += String(decoding: chunk[0..<count], as: UTF8.self)
        }
    }
}

func loopbackAddress(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    return address
}

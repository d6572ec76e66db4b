import ArgumentParser
import Glibc
import ProxyCore

/// `proxyd fingerprint`: one request through proxyd's own upstream code to a capture listener on loopback,
/// printing what an upstream sees of the profile. Nothing leaves the machine.
struct FingerprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fingerprint",
        abstract: "Show the TLS and HTTP/2 fingerprints (JA4, JA4_r, JA3N, Akamai, header order) a profile sends."
    )

    @Option(help: ArgumentHelp("The profile to fingerprint: chrome, firefox, safari, edge, okhttp or openssl.", valueName: "name"))
    var profile = "chrome"

    func run() throws {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        let certificateFile = directory + "/proxyd-fingerprint-\(getpid()).pem"
        defer { unlink(certificateFile) }
        do {
            let capture = try CaptureListener(certificateFile: certificateFile)
            let proxydPort = try Self.freeLoopbackPort()
            let configuration = try Configuration.load([
                "PROXYD_TLS_PROFILE": profile,
                "PROXYD_CHATGPT_URL": "https://localhost:\(capture.port)",
                "PROXYD_CA_FILE": certificateFile,
                "PROXYD_RESOLVE": "localhost:\(capture.port):127.0.0.1",
                "PROXYD_LISTEN": "127.0.0.1:\(proxydPort)",
                // In-process and short-lived: no admin listener, which could clash with a proxyd serving here.
                "PROXYD_ADMIN_LISTEN": "off",
                "PROXYD_WORKERS": "1",
                "PROXYD_LOG_LEVEL": "error",
            ])
            let server = try Server(configuration: configuration)
            try server.start()
            defer { server.stop() }

            let captured = CaptureResult()
            let thread = try startThread(detached: false) {
                captured.result = Result { try capture.accept(timeoutMilliseconds: 10_000) }
            }
            // The capture's own timeout bounds the join, which also orders its write before the read below.
            let status: String
            do {
                status = try Self.request(port: proxydPort)
            } catch {
                pthread_join(thread, nil)
                throw error
            }
            pthread_join(thread, nil)
            guard let fingerprint = try captured.result?.get() else { throw CommandError("no capture") }
            print(Self.table(profile: configuration.tlsProfile.rawValue, status: status, fingerprint))
        } catch let error as ConfigurationError {
            // As for serving: a bad setting is exit status 2.
            fputs("\(error)\n", stderr)
            throw ExitCode(2)
        } catch {
            fputs("fingerprint: \(error)\n", stderr)
            throw ExitCode(1)
        }
    }

    private static func table(profile: String, status: String, _ fingerprint: CapturedFingerprint) -> String {
        let rows: [(String, String)] = [
            ("profile", profile),
            ("tls", "\(fingerprint.tlsVersion), ALPN \(fingerprint.alpn.isEmpty ? "none" : fingerprint.alpn)"),
            ("ja4", fingerprint.tls.ja4),
            ("ja4_r", fingerprint.tls.ja4R),
            ("ja3n", fingerprint.tls.ja3nMD5),
            ("ja3n_r", fingerprint.tls.ja3n),
            ("akamai", fingerprint.http2?.akamai ?? "none (HTTP/1.1)"),
            ("headers", fingerprint.headerOrder.joined(separator: ",")),
            ("response", status),
        ]
        return rows.map { $0.0 + String(repeating: " ", count: max(10 - $0.0.count, 0)) + $0.1 }.joined(separator: "\n")
    }

    /// Sends the request through proxyd and returns the status line it answered with.
    private static func request(port: UInt16) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CommandError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw CommandError("connect to proxyd: \(String(cString: strerror(errno)))") }
        let request = Array(("GET /chatgpt/backend-api/models HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
            + "Authorization: Bearer fingerprint\r\nConnection: close\r\n\r\n").utf8)
        guard send(fd, request, request.count, 0) == request.count else {
            throw CommandError("send to proxyd: \(String(cString: strerror(errno)))")
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !response.contains(UInt8(ascii: "\n")) {
            let got = recv(fd, &buffer, buffer.count, 0)
            guard got > 0 else { throw CommandError("proxyd did not answer") }
            response += buffer[0..<got]
        }
        let line = response.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }
        return String(decoding: line, as: UTF8.self)
    }

    private static func freeLoopbackPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CommandError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw CommandError("bind: \(String(cString: strerror(errno)))") }
        return UInt16(bigEndian: address.sin_port)
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }
}

/// The capture thread's outcome, read by the main thread after joining it.
private final class CaptureResult: @unchecked Sendable {
    var result: Result<CapturedFingerprint, Error>?
}

struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

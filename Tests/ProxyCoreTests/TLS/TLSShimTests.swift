import CNIOBoringSSL
import CTLSShim
import Foundation
import Glibc
@testable import ProxyCore
import XCTest

final class TLSShimTests: XCTestCase {
    private var certificates: TestCertificates!

    override func setUpWithError() throws {
        certificates = try TestCertificates.shared.get()
        // As in proxyd: a write to a socket the peer reset must fail with EPIPE, not end the process.
        signal(SIGPIPE, SIG_IGN)
    }

    override class func tearDown() {
        if case .success(let certificates) = TestCertificates.shared {
            try? FileManager.default.removeItem(atPath: certificates.directory)
        }
        super.tearDown()
    }

    // Every test runs against both backends: OpenSSL (`openssl`) and BoringSSL (`chrome`).
    private let profiles = TLSProfile.allCases

    func testHandshakeWithCAFileNegotiatesALPNAndExchangesData() throws {
        for profile in profiles {
            let server = try OpenSSLServer(certificates: certificates, registeringTeardownIn: self)
            let context = try TLSContext(caFile: certificates.caFile, alpnProtocols: ["h2", "http/1.1"], profile: profile)
            let connection = try TestConnection(context: context, port: server.port, host: "localhost")
            XCTAssertEqual(connection.handshake(), Int(TLSSHIM_OK), "\(profile): \(connection.error)")
            XCTAssertEqual(connection.alpn, "http/1.1", "\(profile)")

            connection.writeAll(Array("GET / HTTP/1.0\r\n\r\n".utf8))
            let (response, end) = connection.readToEnd()
            XCTAssertEqual(end, Int(TLSSHIM_CLOSED), "\(profile): \(connection.error)")
            XCTAssertTrue(response.hasPrefix("HTTP/1.0 200 ok"), "\(profile): \(response)")
            // s_server -www echoes the negotiated session, which proves the bytes went through TLS.
            XCTAssertTrue(response.contains("TLSv1.3") || response.contains("TLSv1.2"), "\(profile): \(response)")
        }
    }

    func testChromeProfileOffersChromesGroupsAndSignatureAlgorithms() throws {
        let server = try OpenSSLServer(certificates: certificates, registeringTeardownIn: self)
        let context = try TLSContext(caFile: certificates.caFile, alpnProtocols: ["http/1.1"], profile: .chrome)
        let connection = try TestConnection(context: context, port: server.port, host: "localhost")
        XCTAssertEqual(connection.handshake(), Int(TLSSHIM_OK), connection.error)
        connection.writeAll(Array("GET / HTTP/1.0\r\n\r\n".utf8))
        let (response, _) = connection.readToEnd()
        // s_server's page lists what the ClientHello offered. OpenSSL 3.0 knows neither GREASE nor
        // X25519MLKEM768 (the two <NULL>s) nor ML-DSA (0x0904-0x0906), yet the handshake works.
        XCTAssertTrue(response.contains("Protocol  : TLSv1.3"), response)
        XCTAssertTrue(response.contains("Supported groups: <NULL>:<NULL>:x25519:secp256r1:secp384r1\n"), response)
        let prefix = "Signature Algorithms: "
        let sigalgs = response.split(separator: "\n").first { $0.hasPrefix(prefix) }?.dropFirst(prefix.count)
            .split(separator: ":").map(String.init) ?? []
        // A GREASE value (0x?A?A, random per connection) first, as Chrome sends it.
        let grease = sigalgs.first ?? ""
        XCTAssertTrue(grease.count == 9 && grease.hasSuffix("A") && grease.prefix(4) == grease.dropFirst(5).prefix(4),
                      grease)
        XCTAssertEqual(Array(sigalgs.dropFirst()), ["0x04+0x09", "0x05+0x09", "0x06+0x09", "ECDSA+SHA256", "RSA-PSS+SHA256",
                                                     "RSA+SHA256", "ECDSA+SHA384", "RSA-PSS+SHA384", "RSA+SHA384",
                                                     "RSA-PSS+SHA512", "RSA+SHA512"])
    }

    /// What each browser profile offers that a BoringSSL server can take up (from its *_profile.c table).
    private static let browserExtras: [(profile: TLSProfile, compression: Set<BoringSSLServer.Compression>,
                                        alpsNewCodepoint: Bool?, alps: [UInt8]?)] = [
        (.chrome, [.brotli], true, [0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
                                    0x00, 0x04, 0x00, 0x60, 0x00, 0x00, 0x00, 0x06, 0x00, 0x04, 0x00, 0x00]),
        (.edge, [.brotli], false, [0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0xe8,
                                   0x00, 0x04, 0x00, 0x60, 0x00, 0x00, 0x00, 0x06, 0x00, 0x04, 0x00, 0x00]),
        (.safari, [.zlib], nil, nil),
        (.firefox, [.zlib, .brotli, .zstd], nil, nil),
        (.okhttp, [], nil, nil),
    ]

    /// Every browser profile against a server using each certificate compression and either ALPS code
    /// point: the handshake and an exchange always work, and what the profile offers is taken up.
    func testBrowserProfilesAgainstABoringSSLServerUsingALPSAndCertificateCompression() throws {
        XCTAssertEqual(Set(Self.browserExtras.map(\.profile)), Set(profiles.filter { $0 != .openssl }))
        for extras in Self.browserExtras {
            for compression in BoringSSLServer.Compression.allCases {
                for newCodepoint in [true, false] {
                    let label = "\(extras.profile), \(compression), ALPS new code point \(newCodepoint)"
                    let server = try BoringSSLServer(certificates: certificates, reply: Array("pong".utf8),
                                                     compression: compression, alpsNewCodepoint: newCodepoint)
                    let compressedBefore = BoringSSLServer.compressedCertificates
                    let context = try TLSContext(caFile: certificates.caFile, alpnProtocols: ["h2", "http/1.1"],
                                                 profile: extras.profile)
                    let connection = try TestConnection(context: context, port: server.port, host: "localhost")
                    XCTAssertEqual(connection.handshake(), Int(TLSSHIM_OK), "\(label): \(connection.error)")
                    XCTAssertEqual(connection.alpn, "h2", label)
                    connection.writeAll(Array("ping".utf8))
                    let (reply, end) = connection.readToEnd()
                    XCTAssertEqual(reply, "pong", label)
                    XCTAssertEqual(end, Int(TLSSHIM_CLOSED), "\(label): \(connection.error)")

                    let outcome = try XCTUnwrap(server.result(), "\(label): the BoringSSL server did not finish")
                    XCTAssertNil(outcome.handshakeError, label)
                    XCTAssertEqual(outcome.request, Array("ping".utf8), label)
                    // A compressed certificate verified means the shim decompressed it.
                    XCTAssertEqual(BoringSSLServer.compressedCertificates - compressedBefore,
                                   extras.compression.contains(compression) ? 1 : 0, label)
                    // ALPS only on the code point the profile uses; its value is the browser's SETTINGS payload.
                    let alps = extras.alpsNewCodepoint == newCodepoint ? extras.alps : nil
                    XCTAssertEqual(outcome.peerApplicationSettings, alps, label)
                }
            }
        }
    }

    /// The profiles whose reference hello ends in padding (21), which this BoringSSL adds only after some
    /// extension orders: the shim rebuilds their hellos until one does (final_padding in boring_profile.h).
    private static let paddedProfiles: [(profile: TLSProfile, reference: String)] = [
        (.edge, "curl_cffi_edge101.json"), (.okhttp, "tls_client_okhttp4_android_13.json"),
    ]

    /// The fingerprints a hello must match its reference in, and that it ends in padding.
    private func assertPaddedLikeReference(_ hello: ClientHello, _ reference: FingerprintFixture, _ label: String) {
        XCTAssertEqual(hello.extensions.last?.type, 21, label)
        let fingerprint = TLSFingerprint(hello)
        XCTAssertEqual(fingerprint.ja4, reference.ja4, label)
        XCTAssertEqual(fingerprint.ja4R, reference.ja4_r, label)
        XCTAssertEqual(fingerprint.ja3nMD5, reference.ja3n_md5, label)
    }

    private func parsedHellos(_ server: BoringSSLServer, _ label: String) throws -> [ClientHello] {
        try XCTUnwrap(server.results(), label).map { outcome in
            guard case .complete(let hello) = ClientHello.parse(outcome.clientHello) else {
                throw FixtureError("\(label): unparsable ClientHello")
            }
            return hello
        }
    }

    /// One request and its reply on a new connection; whether it resumed.
    private func exchangePing(_ context: TLSContext, port: UInt16, _ label: String) throws -> Bool {
        let connection = try TestConnection(context: context, port: port, host: "localhost")
        XCTAssertEqual(connection.handshake(), Int(TLSSHIM_OK), "\(label): \(connection.error)")
        connection.writeAll(Array("ping".utf8))
        XCTAssertEqual(connection.readToEnd().0, "pong", label)
        return connection.reused
    }

    /// Padding lands last on only 2 or 3 of 31 extension orders, so 20 full handshakes in a row each
    /// matching the reference show the rebuilding works every time, not by luck.
    func testEdgeAndOkHttpFullHandshakesAllSendTheReferenceJA4() throws {
        for (profile, file) in Self.paddedProfiles {
            let reference = try FingerprintFixture.load(file)
            let server = try BoringSSLServer(certificates: certificates, reply: Array("pong".utf8), connections: 20)
            for attempt in 0..<20 {
                // A context of its own each time: a saved session would make the hello a resumed one.
                let context = try TLSContext(caFile: certificates.caFile, alpnProtocols: ["h2", "http/1.1"], profile: profile)
                XCTAssertFalse(try exchangePing(context, port: server.port, "\(profile) #\(attempt)"))
            }
            let hellos = try parsedHellos(server, "\(profile)")
            XCTAssertEqual(hellos.count, 20, "\(profile)")
            for (index, hello) in hellos.enumerated() {
                assertPaddedLikeReference(hello, reference, "\(profile) #\(index)")
            }
            // Permuted: the orders differ while JA4 stays.
            XCTAssertGreaterThan(Set(hellos.map { $0.extensions.map(\.type) }).count, 1, "\(profile)")
        }
    }

    /// A full handshake then a resumed one, against both server fixtures at TLS 1.3 and 1.2. A TLS 1.3 hello
    /// offering its ticket ends in pre_shared_key, after which this BoringSSL never pads; a TLS 1.2 one
    /// (the ticket in session_ticket) still ends in padding.
    func testEdgeAndOkHttpInteroperateAndResume() throws {
        for (profile, file) in Self.paddedProfiles {
            let reference = try FingerprintFixture.load(file)
            for version in [UInt16(TLS1_3_VERSION), UInt16(TLS1_2_VERSION)] {
                let label = "\(profile) \(String(version, radix: 16))"
                let server = try BoringSSLServer(certificates: certificates, reply: Array("pong".utf8), connections: 2,
                                                 maxVersion: version)
                let context = try TLSContext(caFile: certificates.caFile, alpnProtocols: ["h2"], profile: profile)
                XCTAssertEqual(try (0..<2).map { _ in try exchangePing(context, port: server.port, label) }, [false, true],
                               label)
                let hellos = try parsedHellos(server, label)
                guard hellos.count == 2 else { return XCTFail("\(label): \(hellos.count) hellos") }
                assertPaddedLikeReference(hellos[0], reference, "\(label) full")
                if version == UInt16(TLS1_3_VERSION) {
                    let types = hellos[1].extensions.map(\.type)
                    XCTAssertEqual(types.last, 41, label)
                    XCTAssertEqual(Set(types), Set(hellos[0].extensions.map(\.type)).subtracting([21]).union([41]), label)
                } else {
                    assertPaddedLikeReference(hellos[1], reference, "\(label) resumed")
                }
            }
            for (version, arguments) in [("TLSv1.3", []), ("TLSv1.2", ["-tls1_2"])] {
                let label = "\(profile) \(version) against OpenSSL"
                let server = try OpenSSLServer(certificates: certificates, arguments: arguments, registeringTeardownIn: self)
                let context = try TLSContext(caFile: certificates.caFile, alpnProtocols: ["http/1.1"], profile: profile)
                for expected in ["New", "Reused"] {
                    let connection = try TestConnection(context: context, port: server.port, host: "localhost")
                    XCTAssertEqual(connection.handshake(), Int(TLSSHIM_OK), "\(label): \(connection.error)")
                    connection.writeAll(Array("GET / HTTP/1.0\r\n\r\n".utf8))
                    let (page, _) = connection.readToEnd()
                    XCTAssertTrue(page.contains("\n\(expected), \(version), "), "\(label): \(page)")
                }
            }
        }
    }

    /// The checked hello is held back until the socket takes it: with the socket full the handshake asks to
    /// wait for writability, and once the peer has drained it the next call sends the whole hello first.
    func testHeldHelloWaitsForAWritableSocket() throws {
        for (profile, file) in Self.paddedProfiles {
            let reference = try FingerprintFixture.load(file)
            var pair: [Int32] = [-1, -1]
            XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue), 0, &pair), 0)
            let (client, peer) = (pair[0], pair[1])
            defer {
                close(client)
                close(peer)
            }
            let junk = [UInt8](repeating: 0x55, count: 4096)
            var filled = 0
            while true {
                let sent = send(client, junk, junk.count, 0)
                guard sent > 0 else { break }
                filled += sent
            }
            XCTAssertEqual(errno, EAGAIN, "\(profile)")

            let context = try TLSContext(caFile: nil, alpnProtocols: ["h2", "http/1.1"], profile: profile)
            var message = [CChar](repeating: 0, count: 256)
            let conn = try XCTUnwrap(tlsshim_conn_new(context.pointer, client, "localhost", 443, 0, &message, message.count),
                                     String(cString: message))
            defer { tlsshim_conn_free(conn) }
            XCTAssertEqual(Int(tlsshim_handshake(conn)), Int(TLSSHIM_WANT_WRITE), "\(profile)")
            XCTAssertEqual(drain(peer, count: filled), filled, "\(profile)")
            var writable = pollfd(fd: client, events: Int16(POLLOUT), revents: 0)
            XCTAssertEqual(poll(&writable, 1, 5000), 1, "\(profile)")
            XCTAssertEqual(Int(tlsshim_handshake(conn)), Int(TLSSHIM_WANT_READ), "\(profile)")

            var wire = [UInt8](repeating: 0, count: 4096)
            let count = read(peer, &wire, wire.count)
            XCTAssertGreaterThan(count, 0, "\(profile)")
            let fingerprint = try XCTUnwrap(TLSFingerprint(clientHello: Array(wire.prefix(max(count, 0)))), "\(profile)")
            assertPaddedLikeReference(fingerprint.hello, reference, "\(profile)")
        }
    }

    /// Reads and discards count bytes already queued on fd; returns how many there were.
    private func drain(_ fd: Int32, count: Int) -> Int {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var total = 0
        while total < count {
            let n = read(fd, &buffer, min(buffer.count, count - total))
            guard n > 0 else { break }
            total += n
        }
        return total
    }

    func testUntrustedCertificateFailsVerification() throws {
        for profile in profiles {
            let server = try OpenSSLServer(certificates: certificates, registeringTeardownIn: self)
            let context = try TLSContext(caFile: nil, alpnProtocols: ["http/1.1"], profile: profile)
            let connection = try TestConnection(context: context, port: server.port, host: "localhost")
            XCTAssertEqual(connection.handshake(), Int(TLSSHIM_ERROR), "\(profile)")
            XCTAssertTrue(connection.error.hasPrefix("certificate verify failed: "), "\(profile): \(connection.error)")
            XCTAssertTrue(connection.error.contains("local issuer certificate"), "\(profile): \(connection.error)")
        }
    }

    func testHostNameMismatchFailsVerification() throws {
        for profile in profiles {
            let server = try OpenSSLServer(certificates: certificates, registeringTeardownIn: self)
            let context = try TLSContext(caFile: certificates.caFile, alpnProtocols: ["http/1.1"], profile: profile)
            let connection = try TestConnection(context: context, port: server.port, host: "otherhost")
            XCTAssertEqual(connection.handshake(), Int(TLSSHIM_ERROR), "\(profile)")
            XCTAssertEqual(connection.error, "certificate verify failed: hostname mismatch", "\(profile)")
        }
    }

    func testIPLiteralVerifiesAgainstIPSubjectAltName() throws {
        for profile in profiles {
            let server = try OpenSSLServer(certificates: certificates, registeringTeardownIn: self)
            let context = try TLSContext(caFile: certificates.caFile, alpnProtocols: [], profile: profile)
            // s_server serves one connection at a time, so the first must be closed before the second.
            do {
                let matching = try TestConnection(context: context, port: server.port, host: "127.0.0.1")
                XCTAssertEqual(matching.handshake(), Int(TLSSHIM_OK), "\(profile): \(matching.error)")
                XCTAssertNil(matching.alpn, "\(profile)")
            }

            let other = try TestConnection(context: context, port: server.port, host: "127.0.0.2")
            XCTAssertEqual(other.handshake(), Int(TLSSHIM_ERROR), "\(profile)")
            XCTAssertEqual(other.error, "certificate verify failed: IP address mismatch", "\(profile)")
        }
    }

    func testPeerClosingWithoutCloseNotifyReadsAsClosed() throws {
        for profile in profiles {
            let server = try OpenSSLServer(certificates: certificates, registeringTeardownIn: self)
            let context = try TLSContext(caFile: certificates.caFile, alpnProtocols: ["http/1.1"], profile: profile)
            let connection = try TestConnection(context: context, port: server.port, host: "localhost")
            XCTAssertEqual(connection.handshake(), Int(TLSSHIM_OK), "\(profile): \(connection.error)")
            // The TLS 1.3 session tickets show the server has read our Finished; killing it with
            // unread bytes would make the kernel send a reset instead of a plain close.
            XCTAssertTrue(connection.waitReadable(), "\(profile)")
            server.kill()
            let (_, end) = connection.readToEnd()
            XCTAssertEqual(end, Int(TLSSHIM_CLOSED), "\(profile): \(connection.error)")
        }
    }

    func testPeerClosingDuringHandshakeIsAnError() throws {
        for profile in profiles {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(listener) }
            var address = loopbackAddress(port: 0)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let listening = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(listener, $0, length) == 0 && listen(listener, 1) == 0 && getsockname(listener, $0, &length) == 0
                }
            }
            XCTAssertTrue(listening)
            let context = try TLSContext(caFile: certificates.caFile, alpnProtocols: ["http/1.1"], profile: profile)
            let connection = try TestConnection(context: context, port: UInt16(bigEndian: address.sin_port), host: "localhost")
            close(accept(listener, nil, nil))
            XCTAssertEqual(connection.handshake(), Int(TLSSHIM_ERROR), "\(profile)")
            XCTAssertTrue(["connection closed by the server", "Connection reset by peer"].contains(connection.error),
                          "\(profile): \(connection.error)")
        }
    }

    func testMissingCAFileFailsContextCreation() {
        let path = "/nonexistent/proxyd-ca.pem"
        for profile in profiles {
            XCTAssertThrowsError(try TLSContext(caFile: path, alpnProtocols: ["http/1.1"], profile: profile)) { error in
                let text = String(describing: error)
                XCTAssertEqual(text, "cannot load CA file \(path): No such file or directory", "\(profile)")
            }
        }
    }

    func testCAFileWithoutCertificatesFailsContextCreation() throws {
        let path = certificates.directory + "/ext.cnf"
        for profile in profiles {
            XCTAssertThrowsError(try TLSContext(caFile: path, alpnProtocols: [], profile: profile)) { error in
                XCTAssertEqual(String(describing: error), "cannot load CA file \(path): no certificate or crl found",
                               "\(profile)")
            }
        }
    }

    func testOverlongALPNNameIsRejected() {
        let name = String(repeating: "x", count: 256)
        XCTAssertThrowsError(try TLSContext(caFile: nil, alpnProtocols: [name], profile: .chrome)) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("invalid ALPN protocol name"))
        }
    }

    func testEveryConfiguredProfileNameHasItsOwnTLSProfile() {
        let pairs: [(TLSProfileName, TLSProfile)] = [(.openssl, .openssl), (.chrome, .chrome), (.edge, .edge),
                                                     (.safari, .safari), (.firefox, .firefox), (.okhttp, .okhttp)]
        XCTAssertEqual(pairs.count, TLSProfileName.allCases.count)
        for (name, profile) in pairs {
            XCTAssertEqual(TLSProfile(name), profile, name.rawValue)
        }
        XCTAssertEqual(Set(TLSProfile.allCases.map(\.shimProfile.rawValue)).count, TLSProfile.allCases.count)
    }
}

/// One client connection on a non-blocking loopback socket, driven with poll() like the reactor will.
final class TestConnection {
    private let fd: Int32
    private let conn: OpaquePointer

    init(context: TLSContext, port: UInt16, host: String, scope: UInt32 = 0) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket: \(String(cString: strerror(errno)))") }
        var address = loopbackAddress(port: port)
        let started = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var socketError: Int32 = 0
        if started != 0 {
            socketError = errno
            if socketError == EINPROGRESS {
                var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&entry, 1, 5000)
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length)
            }
        }
        var message = [CChar](repeating: 0, count: 256)
        let created = socketError == 0 ? tlsshim_conn_new(context.pointer, fd, host, port, scope, &message, message.count) : nil
        guard let created else {
            close(fd)
            let reason = socketError != 0 ? String(cString: strerror(socketError)) : String(cString: message)
            throw FixtureError("connect to port \(port): \(reason)")
        }
        self.fd = fd
        conn = created
    }

    deinit {
        tlsshim_shutdown(conn)
        tlsshim_conn_free(conn)
        close(fd)
    }

    var error: String { String(cString: tlsshim_conn_error(conn)) }

    var reused: Bool { tlsshim_session_reused(conn) == 1 }

    var alpn: String? {
        var proto: UnsafePointer<UInt8>?
        let length = tlsshim_alpn(conn, &proto)
        guard length > 0, let proto else { return nil }
        return String(decoding: UnsafeBufferPointer(start: proto, count: length), as: UTF8.self)
    }

    func handshake() -> Int {
        drive { Int(tlsshim_handshake(conn)) }
    }

    func writeAll(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = drive {
                bytes.withUnsafeBytes { tlsshim_write(conn, $0.baseAddress! + offset, $0.count - offset) }
            }
            guard written > 0 else { return XCTFail("write failed: \(written) \(error)") }
            offset += written
        }
    }

    func waitReadable() -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 10_000) == 1
    }

    /// Reads until the stream ends; returns the text and the code that ended it.
    func readToEnd() -> (String, Int) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = drive { tlsshim_read(conn, &buffer, buffer.count) }
            guard count > 0 else { return (String(decoding: received, as: UTF8.self), count) }
            received += buffer[0..<count]
        }
    }

    /// Repeats a shim call, waiting in poll() for what it asks, until it completes or fails.
    private func drive(_ step: () -> Int) -> Int {
        let deadline = Date().addingTimeInterval(10)
        while true {
            let result = step()
            let events: Int32
            switch result {
            case Int(TLSSHIM_WANT_READ): events = POLLIN
            case Int(TLSSHIM_WANT_WRITE): events = POLLOUT
            default: return result
            }
            let remaining = Int32(deadline.timeIntervalSinceNow * 1000)
            var entry = pollfd(fd: fd, events: Int16(events), revents: 0)
            guard remaining > 0, poll(&entry, 1, remaining) > 0 else {
                XCTFail("TLS peer did not answer within 10 s")
                return Int(TLSSHIM_ERROR)
            }
        }
    }
}

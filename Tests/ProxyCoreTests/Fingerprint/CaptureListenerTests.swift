import Foundation
import Glibc
@testable import ProxyCore
import XCTest

/// The capture listener's own edges; the whole loop is tested through `proxyd fingerprint` in ProxydCommandTests.
final class CaptureListenerTests: XCTestCase {
    func testHTTP1HeaderNamesKeepOrderAndCase() {
        let head = Array("GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: x\r\naccept: */*\r\n\r\nbody: no".utf8)
        XCTAssertEqual(CaptureListener.http1HeaderNames(head), ["Host", "User-Agent", "accept"])
    }

    func testWritesItsCertificateAndTimesOutWithoutAClient() throws {
        let file = try certificatePath()
        let capture = try CaptureListener(certificateFile: file)
        XCTAssertGreaterThan(capture.port, 0)
        let pem = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertTrue(pem.hasPrefix("-----BEGIN CERTIFICATE-----"), pem)
        XCTAssertThrowsError(try capture.accept(timeoutMilliseconds: 50)) {
            XCTAssertTrue("\($0)".contains("no connection"), "\($0)")
        }
    }

    func testPlainTextIsReportedNotParsed() throws {
        let capture = try CaptureListener(certificateFile: try certificatePath())
        let fd = try connect(to: capture.port)
        defer { close(fd) }
        let request = Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        XCTAssertEqual(send(fd, request, request.count, 0), request.count)
        XCTAssertThrowsError(try capture.accept(timeoutMilliseconds: 2000)) {
            XCTAssertTrue("\($0)".contains("did not send a TLS ClientHello"), "\($0)")
        }
    }

    /// A record header promising more than ever arrives must end at the deadline, not spin.
    func testTruncatedHelloTimesOut() throws {
        let capture = try CaptureListener(certificateFile: try certificatePath())
        let fd = try connect(to: capture.port)
        defer { close(fd) }
        let partial: [UInt8] = [22, 3, 1, 0x02, 0x00, 1, 0]
        XCTAssertEqual(send(fd, partial, partial.count, 0), partial.count)
        XCTAssertThrowsError(try capture.accept(timeoutMilliseconds: 200)) {
            XCTAssertTrue("\($0)".contains("incomplete ClientHello"), "\($0)")
        }
    }

    private func connect(to port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CaptureError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(fd)
            throw CaptureError("connect failed")
        }
        return fd
    }

    private func certificatePath() throws -> String {
        let path = NSTemporaryDirectory() + "proxyd-capture-test-\(UUID().uuidString).pem"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}

@testable import ProxyCore
import XCTest

final class HTTPConnectHandshakeTests: XCTestCase {
    private let destination = ProxyDestination(host: "chatgpt.com", port: 443)

    private func machine(user: String? = nil, password: String? = nil) -> HTTPConnectHandshake {
        HTTPConnectHandshake(destination: destination, username: user, password: password)
    }

    func testRequestNamesTheTargetInLineAndHostAndCarriesBasicCredentials() {
        XCTAssertEqual(String(decoding: machine().start(), as: UTF8.self),
                       "CONNECT chatgpt.com:443 HTTP/1.1\r\nHost: chatgpt.com:443\r\n\r\n")
        XCTAssertEqual(String(decoding: machine(user: "u", password: "p@ss").start(), as: UTF8.self),
                       "CONNECT chatgpt.com:443 HTTP/1.1\r\nHost: chatgpt.com:443\r\nProxy-Authorization: Basic dTpwQHNz\r\n\r\n")
        let v6 = HTTPConnectHandshake(destination: ProxyDestination(host: "::1", port: 8443), username: nil, password: nil)
        XCTAssertTrue(String(decoding: v6.start(), as: UTF8.self).hasPrefix("CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n"))
    }

    func testEstablishedKeepsTheBytesAfterTheHead() {
        let response = Array("HTTP/1.1 200 Connection established\r\nProxy-Agent: t\r\n\r\n".utf8) + [0x16, 0x03, 0x01]
        assertSplitInvariant(machine(), proxyBytes: response,
                             expected: HandshakeRun(final: .established(leftover: [0x16, 0x03, 0x01])))
        let http10 = Array("HTTP/1.0 200 OK\r\n\r\n".utf8)
        XCTAssertEqual(drive(machine(), chunks: [http10]).final, .established(leftover: []))
    }

    func testRefusals() {
        let cases: [(HTTPConnectHandshake, String, ProxyHandshakeFailure)] = [
            (machine(user: "u", password: "bad"), "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
             ProxyHandshakeFailure(reason: "rejected the username/password (407 Proxy Authentication Required)", proxyFault: true)),
            (machine(), "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n",
             ProxyHandshakeFailure(reason: "requires authentication, and no username/password is configured (407 Proxy Authentication Required)",
                                   proxyFault: true)),
            (machine(user: "u", password: "bad"), "HTTP/1.0 401 Unauthorized\r\n\r\n",
             ProxyHandshakeFailure(reason: "rejected the username/password (401 Unauthorized)", proxyFault: true)),
            (machine(), "HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope!",
             ProxyHandshakeFailure(reason: "refused the connection to chatgpt.com:443: 403 Forbidden", proxyFault: false)),
            (machine(), "HTTP/1.1 502 Bad Gateway\r\n\r\n",
             ProxyHandshakeFailure(reason: "refused the connection to chatgpt.com:443: 502 Bad Gateway", proxyFault: false)),
            (machine(), "HTTP/1.1 504 \r\n\r\n",
             ProxyHandshakeFailure(reason: "refused the connection to chatgpt.com:443: 504", proxyFault: false)),
            (machine(), "HTTP/1.1 100 Continue\r\n\r\n",
             ProxyHandshakeFailure(reason: "sent an interim response to CONNECT (100 Continue)", proxyFault: true)),
        ]
        for (handshake, response, expected) in cases {
            assertSplitInvariant(handshake, proxyBytes: Array(response.utf8), expected: HandshakeRun(final: .failed(expected)))
        }
    }

    func testMalformedResponsesAreTheProxysFault() {
        for response in ["HTTP/1.1 2OO OK\r\n\r\n", "SSH-2.0-OpenSSH_9.6\r\n\r\n", "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
                         "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Long: aaaaaaaaaaaaaaaa\r\n", count: 1000)] {
            let failure = drive(machine(), chunks: [Array(response.utf8)]).final.failure
            XCTAssertEqual(failure?.proxyFault, true, response.prefix(40).debugDescription)
            XCTAssertTrue(failure?.reason.hasPrefix("sent a malformed response to CONNECT: ") == true,
                          "\(failure?.reason ?? "no failure")")
        }
    }

    func testIncompleteHeadWaits() {
        XCTAssertEqual(drive(machine(), chunks: [Array("HTTP/1.1 200 OK\r\n".utf8)]).final, .needMore)
    }

    func testBase64Vectors() {
        // RFC 4648 section 10.
        for (plain, encoded) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                                 ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")] {
            XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded, plain)
        }
    }
}

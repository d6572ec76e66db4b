@testable import ProxyCore
import XCTest

final class SOCKS5HandshakeTests: XCTestCase {
    private let byName = ProxyDestination(host: "chatgpt.com", port: 443)
    private let chatgptRequest: [UInt8] = [5, 1, 0, 3, 11] + Array("chatgpt.com".utf8) + [0x01, 0xBB]
    private let boundIPv4: [UInt8] = [5, 0, 0, 1, 127, 0, 0, 1, 0x04, 0x38]

    private func machine(_ destination: ProxyDestination? = nil, user: String? = nil,
                         password: String? = nil) -> SOCKS5Handshake {
        SOCKS5Handshake(destination: destination ?? byName, username: user, password: password)
    }

    func testNoAuthSendsTheNameAndKeepsBytesAfterTheReply() {
        let handshake = machine()
        XCTAssertEqual(try handshake.start().get(), [5, 1, 0])
        assertSplitInvariant(handshake, proxyBytes: [5, 0] + boundIPv4 + [0x16, 0x03],
                             expected: HandshakeRun(sent: [chatgptRequest], final: .established(leftover: [0x16, 0x03])))
    }

    func testUsernamePasswordThenAddressRequest() {
        var destination = byName
        destination.address = [10, 1, 2, 3]
        let handshake = machine(destination, user: "u", password: "pass")
        XCTAssertEqual(try handshake.start().get(), [5, 1, 2], "with credentials only username/password is offered")
        let auth: [UInt8] = [1, 1, UInt8(ascii: "u"), 4] + Array("pass".utf8)
        let request: [UInt8] = [5, 1, 0, 1, 10, 1, 2, 3, 0x01, 0xBB]
        // The bound address given as a name: its length byte decides where the reply ends.
        let reply: [UInt8] = [5, 0, 0, 3, 3] + Array("abc".utf8) + [0, 80]
        assertSplitInvariant(handshake, proxyBytes: [5, 2, 1, 0] + reply,
                             expected: HandshakeRun(sent: [auth, request], final: .established(leftover: [])))
    }

    func testIPv6AddressAndBoundAddress() {
        var destination = ProxyDestination(host: "::1", port: 8443)
        destination.address = [UInt8](repeating: 0, count: 15) + [1]
        let request: [UInt8] = [5, 1, 0, 4] + destination.address! + [0x20, 0xFB]
        let reply: [UInt8] = [5, 0, 0, 4] + [UInt8](repeating: 0, count: 16) + [0, 1]
        assertSplitInvariant(machine(destination), proxyBytes: [5, 0] + reply,
                             expected: HandshakeRun(sent: [request], final: .established(leftover: [])))
    }

    func testEveryReplyCodeIsAnErrorNamingTheDestinationAndTheCode() {
        let texts: [UInt8: String] = [
            1: "general SOCKS server failure", 2: "connection not allowed by ruleset", 3: "network unreachable",
            4: "host unreachable", 5: "connection refused by destination host", 6: "TTL expired",
            7: "command not supported", 8: "address type not supported", 9: "unassigned reply code",
            0xFF: "unassigned reply code",
        ]
        for (code, text) in texts {
            var reply = boundIPv4
            reply[1] = code
            let run = drive(machine(), chunks: [[5, 0] + reply])
            XCTAssertEqual(run.final.failure, ProxyHandshakeFailure(
                reason: "refused the connection to chatgpt.com:443: \(text) (reply \(code))", proxyFault: false),
                "reply \(code)")
            // Decided by the first two bytes of the reply: no wait for a bound address.
            XCTAssertEqual(drive(machine(), chunks: [[5, 0, 5, code]]).final, run.final, "reply \(code)")
        }
    }

    func testRejectedCredentialsAreTheProxysFault() {
        let run = drive(machine(user: "u", password: "wrong"), chunks: [[5, 2], [1, 1]])
        XCTAssertEqual(run.final.failure,
                       ProxyHandshakeFailure(reason: "rejected the username/password (status 1)", proxyFault: true))
    }

    func testNoAcceptableMethod() {
        XCTAssertEqual(drive(machine(), chunks: [[5, 0xFF]]).final.failure?.reason,
                       "requires authentication, and no username/password is configured")
        XCTAssertEqual(drive(machine(user: "u", password: "p"), chunks: [[5, 0xFF]]).final.failure?.reason,
                       "accepts none of our authentication methods (username/password offered)")
    }

    func testMalformedRepliesFailAsTheProxysFault() {
        let cases: [(SOCKS5Handshake, [UInt8], String)] = [
            (machine(), [4, 0], "a method selection of version 4 instead of 5"),
            (machine(), [5, 2], "method 2, which was not offered"),
            (machine(user: "u", password: "p"), [5, 0], "method 0, which was not offered"),
            (machine(user: "u", password: "p"), [5, 2, 7, 0], "an authentication reply of version 7"),
            (machine(), [5, 0, 4, 0, 0, 1], "a reply of version 4 instead of 5"),
            (machine(), [5, 0, 5, 0, 0, 9, 0], "a reply with address type 9"),
        ]
        for (handshake, bytes, what) in cases {
            XCTAssertEqual(drive(handshake, chunks: [bytes]).final.failure,
                           ProxyHandshakeFailure(reason: "sent a malformed reply: \(what)", proxyFault: true), what)
        }
    }

    func testIncompleteRepliesWaitForMore() {
        XCTAssertEqual(drive(machine(), chunks: [[5]]).final, .needMore)
        XCTAssertEqual(drive(machine(), chunks: [[5, 0], Array(boundIPv4.dropLast())]).final, .needMore)
    }

    func testLimitsAreCheckedBeforeAnythingIsSent() {
        let longUser = String(repeating: "u", count: 256)
        XCTAssertThrowsError(try machine(user: longUser, password: "p").start().get())
        XCTAssertThrowsError(try machine(ProxyDestination(host: String(repeating: "a", count: 256), port: 443)).start().get())
        var numeric = ProxyDestination(host: String(repeating: "a", count: 256), port: 443)
        numeric.address = [1, 2, 3, 4]
        // The over-long name is never sent: the request carries the address.
        assertSplitInvariant(machine(numeric), proxyBytes: [5, 0] + boundIPv4,
                             expected: HandshakeRun(sent: [[5, 1, 0, 1, 1, 2, 3, 4, 0x01, 0xBB]], final: .established(leftover: [])))
    }
}

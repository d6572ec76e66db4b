import XCTest
@testable import ProxyCore

/// The head a client gets for a body proxyd decodes: it describes the decoded bytes.
final class ClientResponseHeadTests: XCTestCase {
    private func write(_ fields: [(String, String)], framing: BodyFraming, minorVersion: Int, decoded: Bool)
        -> (String, ClientFraming) {
        let head = ResponseHead(status: 200, reason: "OK", minorVersion: 1, fields: fields.map { HTTPField($0.0, $0.1) },
                                framing: framing, keepAlive: true)
        var out = IOBuffer()
        let framing = ClientResponseHead.write(head, clientMinorVersion: minorVersion, keepAlive: true, decoded: decoded,
                                               into: &out)
        return (String(decoding: out.readable, as: UTF8.self), framing)
    }

    private let encoded = [("Content-Type", "text/plain"), ("Content-Encoding", "gzip"), ("Content-Length", "120"),
                           ("ETag", "\"abc\""), ("Vary", "Accept-Encoding")]

    func testDecodedBodyLosesCodingAndLengthAndGetsAWeakETagAndChunks() {
        let (text, framing) = write(encoded, framing: .contentLength(120), minorVersion: 1, decoded: true)
        XCTAssertEqual(framing, .chunked)
        XCTAssertEqual(text, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nETag: W/\"abc\"\r\nVary: Accept-Encoding\r\n"
                       + "Transfer-Encoding: chunked\r\n\r\n")
    }

    func testWeakETagStaysAsItIsAndHTTP10ClientsReadUntilClose() {
        let (text, framing) = write([("etag", "W/\"x\""), ("content-encoding", "br")], framing: .chunked, minorVersion: 0,
                                    decoded: true)
        XCTAssertEqual(framing, .untilClose)
        XCTAssertEqual(text, "HTTP/1.0 200 OK\r\netag: W/\"x\"\r\nConnection: close\r\n\r\n")
    }

    func testPassedThroughBodyKeepsItsHead() {
        let (text, framing) = write(encoded, framing: .contentLength(120), minorVersion: 1, decoded: false)
        XCTAssertEqual(framing, .asIs)
        XCTAssertTrue(text.contains("\r\nContent-Encoding: gzip\r\nContent-Length: 120\r\nETag: \"abc\"\r\n"), text)
    }

    func testBodilessDecodedHeadHasNoFraming() {
        let (text, framing) = write(encoded, framing: .none, minorVersion: 1, decoded: true)
        XCTAssertEqual(framing, .asIs)
        XCTAssertFalse(text.lowercased().contains("content-encoding") || text.lowercased().contains("transfer-encoding"), text)
    }
}

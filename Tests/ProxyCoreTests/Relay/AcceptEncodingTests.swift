import XCTest
@testable import ProxyCore

/// RFC 9110 section 12.5.3 as proxyd reads it, and which response codings it passes, decodes or refuses.
final class AcceptEncodingTests: XCTestCase {
    private func accepts(_ coding: String, _ values: String?...) -> Bool {
        let fields = values.compactMap { $0 }.map { HTTPField("Accept-Encoding", $0) } + [HTTPField("Accept", "*/*")]
        return withBytes(coding) { AcceptEncoding.accepts($0, in: fields) }
    }

    func testNoFieldAcceptsOnlyIdentity() {
        XCTAssertFalse(accepts("gzip"))
        XCTAssertTrue(accepts("identity"))
        XCTAssertFalse(accepts("gzip", ""), "an empty value accepts no coding")
        XCTAssertTrue(accepts("identity", ""))
    }

    func testListedCodingsCaseInsensitiveWithWeights() {
        XCTAssertTrue(accepts("gzip", "gzip, deflate, br, zstd"))
        XCTAssertTrue(accepts("br", "GZIP , BR;q=0.5"))
        XCTAssertTrue(accepts("Gzip", "gzip"))
        XCTAssertFalse(accepts("zstd", "gzip, br"))
        XCTAssertFalse(accepts("gzip", "gzip;q=0"))
        XCTAssertFalse(accepts("gzip", "gzip; q=0.000"))
        XCTAssertTrue(accepts("gzip", "gzip;q=0.001"))
        XCTAssertTrue(accepts("gzip", "gzip;Q=1.000"))
        XCTAssertFalse(accepts("gzip", "gzip, gzip;q=0"), "a refusal wins over an acceptance")
        XCTAssertTrue(accepts("br", "gzip", "br"), "several fields combine")
    }

    func testMalformedWeightsIgnoreTheElement() {
        XCTAssertFalse(accepts("gzip", "gzip;q=2"))
        XCTAssertFalse(accepts("gzip", "gzip;q=1.5"))
        XCTAssertFalse(accepts("gzip", "gzip;q=0.0001"))
        XCTAssertFalse(accepts("gzip", "gzip;q=abc"))
        XCTAssertFalse(accepts("gzip", "gz ip"))
        XCTAssertTrue(accepts("gzip", "gzip;q=abc, *"), "the star still covers it")
    }

    func testStarCoversWhatIsNotListed() {
        XCTAssertTrue(accepts("zstd", "*"))
        XCTAssertTrue(accepts("x-custom", "gzip, *;q=0.1"))
        XCTAssertFalse(accepts("br", "gzip, *;q=0"))
        XCTAssertTrue(accepts("gzip", "gzip, *;q=0"), "listed beats the star")
        XCTAssertFalse(accepts("gzip", "*, gzip;q=0"))
    }

    func testIdentityIsAcceptableUnlessRefused() {
        XCTAssertTrue(accepts("identity", "gzip"))
        XCTAssertFalse(accepts("identity", "identity;q=0"))
        XCTAssertFalse(accepts("identity", "*;q=0"))
        XCTAssertTrue(accepts("identity", "*;q=0, identity"))
    }

    func testXGzipIsGzip() {
        XCTAssertTrue(accepts("x-gzip", "gzip"))
        XCTAssertTrue(accepts("gzip", "x-gzip"))
        XCTAssertFalse(accepts("x-gzip", "deflate"))
    }

    // MARK: ContentHandling

    private func handling(_ contentEncoding: [String], accept: String?, decodes: Bool = true,
                          hasBody: Bool = true) -> ContentHandling {
        let response = [HTTPField("Content-Type", "text/plain")] + contentEncoding.map { HTTPField("Content-Encoding", $0) }
        let request = accept.map { [HTTPField("accept-encoding", $0)] } ?? []
        return ContentHandling.decide(response: response, request: request, decodes: decodes, hasBody: hasBody)
    }

    func testCodingsTheClientAcceptsPassThrough() {
        XCTAssertEqual(handling([], accept: nil), .passThrough)
        XCTAssertEqual(handling(["identity"], accept: nil), .passThrough)
        XCTAssertEqual(handling(["gzip"], accept: "gzip, br"), .passThrough)
        XCTAssertEqual(handling(["gzip, br"], accept: "gzip, br"), .passThrough)
        XCTAssertEqual(handling(["x-unknown"], accept: "*"), .passThrough)
    }

    func testOneCodingTheClientDidNotAcceptIsDecoded() {
        XCTAssertEqual(handling(["gzip"], accept: nil), .decode(.gzip))
        XCTAssertEqual(handling(["X-Gzip"], accept: "br"), .decode(.gzip))
        XCTAssertEqual(handling(["deflate"], accept: "gzip"), .decode(.deflate))
        XCTAssertEqual(handling(["br"], accept: "gzip, deflate"), .decode(.br))
        XCTAssertEqual(handling(["zstd"], accept: "zstd;q=0, *"), .decode(.zstd))
        XCTAssertEqual(handling(["br"], accept: nil, hasBody: false), .decode(.br), "the head still describes the decoded form")
    }

    func testStackedOrUnknownCodingsTheClientDidNotAcceptAreRefused() {
        guard case .refuse(let stacked) = handling(["gzip", "br"], accept: "gzip") else { return XCTFail("not refused") }
        XCTAssertTrue(stacked.contains("gzip, br"), stacked)
        guard case .refuse(let unknown) = handling(["compress"], accept: "gzip") else { return XCTFail("not refused") }
        XCTAssertTrue(unknown.contains("\"compress\""), unknown)
        XCTAssertEqual(handling(["compress"], accept: nil, hasBody: false), .passThrough, "no body, nothing unreadable")
    }

    func testWithoutAHeaderPlanNothingIsDecoded() {
        XCTAssertEqual(handling(["gzip"], accept: nil, decodes: false), .passThrough)
        XCTAssertEqual(handling(["gzip", "br"], accept: nil, decodes: false), .passThrough)
    }
}

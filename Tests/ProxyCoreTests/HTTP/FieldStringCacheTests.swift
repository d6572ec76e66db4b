import XCTest
@testable import ProxyCore

/// The per-worker cache of long field strings: a hit shares the earlier String's storage, and whatever the
/// slots hold, the answer is always the String of exactly the bytes asked for.
final class FieldStringCacheTests: XCTestCase {
    private func lookUp(_ text: String, in cache: FieldStringCache) -> String {
        withBytes(text) { cache.string($0) }
    }

    private func lookUp(value: String, name: String, in cache: FieldStringCache) -> String {
        withBytes(name) { name in withBytes(value) { cache.value($0, name: name) } }
    }

    /// The heap storage a String's UTF-8 lives in: the same for a hit, new for a miss. Compared only while
    /// both strings are alive, so a freed one's address cannot come back for the other.
    private func storage(_ string: String) -> UnsafeRawPointer? {
        string.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
    }

    private let userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"

    func testSameBytesAgainShareTheFirstString() {
        let cache = FieldStringCache()
        let first = lookUp(userAgent, in: cache)
        let second = lookUp(userAgent, in: cache)
        XCTAssertEqual(first, userAgent)
        XCTAssertEqual(second, userAgent)
        XCTAssertEqual(storage(first), storage(second))
    }

    func testOtherBytesMissAndGetTheirOwnString() {
        let cache = FieldStringCache()
        let json = lookUp("application/json; charset=utf-8", in: cache)
        let html = lookUp("text/html; charset=utf-8, more", in: cache)
        XCTAssertEqual(json, "application/json; charset=utf-8")
        XCTAssertEqual(html, "text/html; charset=utf-8, more")
        XCTAssertNotEqual(storage(json), storage(html))
    }

    /// With one slot every lookup collides; what comes back is still exactly the bytes asked for, and a
    /// value pushed out of the slot is made again rather than confused with the one that took its place.
    func testCollisionsNeverReturnAnotherString() {
        let cache = FieldStringCache(slotCount: 1)
        // Same length and same first and last words: only the bytes in between differ.
        let a = "Mozilla/5.0 (A; Linux x86_64) Safari/537.36"
        let b = "Mozilla/5.0 (B; Linux x86_64) Safari/537.36"
        let firstA = lookUp(a, in: cache)
        XCTAssertEqual(lookUp(b, in: cache), b)
        let againA = lookUp(a, in: cache)
        XCTAssertEqual(againA, a)
        XCTAssertNotEqual(storage(firstA), storage(againA), "a was pushed out by b, so it was made again")
        XCTAssertEqual(storage(lookUp(a, in: cache)), storage(againA), "and now a is the one cached")
    }

    func testManyValuesThroughFewSlotsAlwaysComeBackExact() {
        let cache = FieldStringCache(slotCount: 4)
        let values = (0..<200).map { "x-request-id-\(String(repeating: "0", count: $0 % 40))-\($0)" }
        for _ in 0..<3 {
            for value in values { XCTAssertEqual(lookUp(value, in: cache), value) }
        }
    }

    /// At most `slotCount` strings stay cached: of many distinct values looked up again, no more hit. Looked up
    /// newest first, each slot's last value is found before an older one's miss could take its place.
    func testHoldsAtMostSlotCountStrings() {
        let cache = FieldStringCache(slotCount: 8)
        let values = (0..<100).map { "some-long-field-value-\($0)" }
        let first = values.map { lookUp($0, in: cache) }
        let hits = zip(values, first).reversed().filter { value, first in
            let again = lookUp(value, in: cache)
            return storage(again) == storage(first)
        }.count
        XCTAssertGreaterThan(hits, 0)
        XCTAssertLessThanOrEqual(hits, 8)
    }

    /// Small strings are stored inline anyway; long ones are left out, so a slot pins at most `maxLength` bytes.
    func testShortAndLongValuesBypassTheCache() {
        let cache = FieldStringCache(maxLength: 32)
        let long = String(repeating: "v", count: 33)
        let (long1, long2) = (lookUp(long, in: cache), lookUp(long, in: cache))
        XCTAssertEqual(long1, long)
        XCTAssertNotEqual(storage(long1), storage(long2))
        let limit = String(repeating: "w", count: 32)
        let (limit1, limit2) = (lookUp(limit, in: cache), lookUp(limit, in: cache))
        XCTAssertEqual(storage(limit1), storage(limit2))
        XCTAssertEqual(lookUp("fifteen bytes!!", in: cache), "fifteen bytes!!")
        XCTAssertEqual(lookUp("", in: cache), "")
    }

    /// Credentials are never kept: they would outlive the request that carried them.
    func testCredentialValuesAreNotCached() {
        let cache = FieldStringCache()
        let token = "Bearer sk-0123456789abcdefghijklmnop"
        for name in ["Authorization", "proxy-authorization", "Cookie", "set-cookie"] {
            let first = lookUp(value: token, name: name, in: cache)
            let second = lookUp(value: token, name: name, in: cache)
            XCTAssertEqual(first, token)
            XCTAssertNotEqual(storage(first), storage(second), name)
        }
        let agent = lookUp(value: userAgent, name: "User-Agent", in: cache)
        let again = lookUp(value: userAgent, name: "user-agent", in: cache)
        XCTAssertEqual(storage(agent), storage(again))
    }

    /// A connection lends its last Authorization value for its next parse: the same token comes back as the
    /// same String, another token is made anew and becomes the lent one, and the cache keeps neither.
    func testALentAuthorizationIsReusedByItsConnectionOnly() {
        let cache = FieldStringCache()
        let token = "Bearer eyJhbGciOiJSUzI1NiJ9.first-token-payload"
        var connection = ""
        let first = cache.lendingCredential(&connection) { lookUp(value: token, name: "Authorization", in: cache) }
        XCTAssertEqual(first, token)
        XCTAssertEqual(storage(connection), storage(first), "the connection keeps the token it was sent")
        let again = cache.lendingCredential(&connection) { lookUp(value: token, name: "authorization", in: cache) }
        XCTAssertEqual(storage(again), storage(first), "the same token on the same connection made a new String")

        let outside = lookUp(value: token, name: "Authorization", in: cache)
        XCTAssertEqual(outside, token)
        XCTAssertNotEqual(storage(outside), storage(first), "the worker's cache kept a connection's token")

        let other = "Bearer eyJhbGciOiJSUzI1NiJ9.second-token-payload"
        let changed = cache.lendingCredential(&connection) { lookUp(value: other, name: "Authorization", in: cache) }
        XCTAssertEqual(changed, other)
        XCTAssertEqual(connection, other)
        // Cookies are not lent: each is made anew even inside a lend.
        let cookie = cache.lendingCredential(&connection) { lookUp(value: other, name: "Cookie", in: cache) }
        XCTAssertNotEqual(storage(cookie), storage(connection))
    }

    /// Bytes that are not UTF-8 decode with replacement characters, as without the cache, and never match
    /// the cached string of their decoding.
    func testInvalidUTF8DecodesAsWithoutTheCache() {
        let cache = FieldStringCache()
        let bytes: [UInt8] = Array("some value that is long ".utf8) + [0xFF, 0xFE]
        let decoded = String(decoding: bytes, as: UTF8.self)
        let first = bytes.withUnsafeBytes { cache.string($0) }
        XCTAssertEqual(first, decoded)
        XCTAssertEqual(bytes.withUnsafeBytes { cache.string($0) }, decoded)
        XCTAssertEqual(lookUp(decoded, in: cache), decoded)
    }

    func testParsersGiveTheSameHeadsWithCacheAndSpareArray() {
        let cache = FieldStringCache(slotCount: 2)
        let request = "GET /platform/v1/json HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: \(userAgent)\r\n"
            + "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload\r\nX-Target: /a?with=query\r\n\r\n"
        let plain = withBytes(request) { RequestHeadParser().parse($0) }
        var spare: [HTTPField] = []
        spare.reserveCapacity(32)
        for _ in 0..<3 {
            let cached = withBytes(request) { RequestHeadParser().parse($0, reusing: &spare, strings: cache) }
            XCTAssertEqual(cached, plain)
            XCTAssertTrue(spare.isEmpty)
            guard case .complete(var head, _) = cached else { return XCTFail("\(cached)") }
            XCTAssertEqual(head.fields.capacity, 32, "the fields took the spare array's storage")
            swap(&head.fields, &spare)
            spare.removeAll(keepingCapacity: true)
        }
        let response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Mon, 07 Dec 2026 23:45:25 GMT\r\n"
            + "Set-Cookie: session=0123456789abcdef\r\nContent-Length: 2\r\n\r\n"
        let plainResponse = withBytes(response) { ResponseHeadParser().parse($0, requestMethod: "GET") }
        for _ in 0..<2 {
            let cached = withBytes(response) {
                ResponseHeadParser().parse($0, requestMethod: "GET", reusing: &spare, strings: cache)
            }
            XCTAssertEqual(cached, plainResponse)
        }
    }

    /// A target without a query comes from the cache; one with a query, which may carry a key, does not.
    func testRequestTargetsWithoutQueryAreCached() {
        let cache = FieldStringCache()
        func target(_ path: String) -> String? {
            var spare: [HTTPField] = []
            let result = withBytes("GET \(path) HTTP/1.1\r\nHost: h\r\n\r\n") {
                RequestHeadParser().parse($0, reusing: &spare, strings: cache)
            }
            guard case .complete(let head, _) = result else { return nil }
            return head.target
        }
        let path = "/platform/v1/json/long"
        let (path1, path2) = (target(path)!, target(path)!)
        XCTAssertEqual(storage(path1), storage(path2))
        let query = "/platform/v1/json?key=secret-value"
        let (query1, query2) = (target(query)!, target(query)!)
        XCTAssertEqual(query1, query)
        XCTAssertNotEqual(storage(query1), storage(query2))
    }
}

import XCTest
@testable import ProxyCore

/// Not a coverage-guided fuzzer: a few thousand seeded mutations per codec, checking that nothing traps
/// and that the answer does not depend on how the bytes were split.
final class FuzzSmokeTests: XCTestCase {
    private static let interesting: [UInt8] = Array("\r\n\0 \t:,;0f/.%?=-\"\\".utf8) + [0x7F, 0x80, 0xFF, 0x01]

    private func mutate(_ seed: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !bytes.isEmpty: bytes[at] = Self.interesting.randomElement(using: &rng) ?? 0
            case 1: bytes.insert(Self.interesting.randomElement(using: &rng) ?? 0, at: at)
            case 2 where !bytes.isEmpty: bytes.remove(at: at)
            case 3 where !bytes.isEmpty: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 12)], at: at)
            case 4: bytes = Array(bytes.prefix(at))
            default: if !bytes.isEmpty { bytes[at] = UInt8.random(in: 0...255, using: &rng) }
            }
        }
        return bytes
    }

    private func inputs(_ seeds: [String], count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = SeededGenerator(seed: seed)
        let seedBytes = seeds.map { Array($0.utf8) }
        return (0..<count).map { n in
            if n % 10 == 0 {
                return (0..<Int.random(in: 0...120, using: &rng)).map { _ in
                    Self.interesting.randomElement(using: &rng) ?? 0
                }
            }
            return mutate(seedBytes[n % seedBytes.count], &rng)
        }
    }

    func testRequestHeadParser() {
        let seeds = [
            "GET /chatgpt/models HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\n\r\n",
            "POST /platform/v1/chat/completions HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}",
            "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n0\r\n\r\n",
            "GET http://h/a?b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        ]
        let parser = RequestHeadParser(limits: .init(maxRequestLine: 64, maxHeadBytes: 160, maxFields: 6))
        var outcomes = [0, 0, 0]
        for (n, input) in inputs(seeds, count: 4000, seed: 1).enumerated() {
            input.withUnsafeBytes { all in
                let whole = parser.parse(all)
                switch whole {
                case .complete(let head, let length):
                    outcomes[0] += 1
                    XCTAssertTrue(length > 0 && length <= all.count)
                    XCTAssertTrue(head.target.hasPrefix("/"))
                    XCTAssertEqual(parser.parse(UnsafeRawBufferPointer(rebasing: all[..<length])), whole)
                case .incomplete(let scanned):
                    outcomes[1] += 1
                    XCTAssertLessThanOrEqual(scanned, all.count)
                case .invalid(let error):
                    outcomes[2] += 1
                    XCTAssertTrue([400, 417, 431, 501, 505].contains(error.status), "\(error)")
                }
            }
            if n % 4 == 0 {
                let whole = input.withUnsafeBytes { parser.parse($0) }
                XCTAssertEqual(dribble(input) { parser.parse($0, searchFrom: $1) }.result, whole, "input \(input)")
            }
        }
        assertSpread(outcomes)
    }

    /// The mutations must reach every kind of answer, or the test checks less than it seems to.
    func testResponseHeadParser() {
        let seeds = [
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
            "HTTP/1.1 404 Not Found\nContent-Length: 5, 5\n\nabcde",
            "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nX: a\r\n b\r\n\r\n",
        ]
        let parser = ResponseHeadParser(maxHeadBytes: 200)
        var outcomes = [0, 0, 0]
        for (n, input) in inputs(seeds, count: 4000, seed: 2).enumerated() {
            input.withUnsafeBytes { all in
                let method = n % 3 == 0 ? "HEAD" : "GET"
                let whole = parser.parse(all, requestMethod: method)
                switch whole {
                case .complete(let head, let length):
                    outcomes[0] += 1
                    XCTAssertTrue(length > 0 && length <= all.count)
                    XCTAssertTrue((100...599).contains(head.status))
                    if head.framing == .untilClose { XCTAssertFalse(head.keepAlive) }
                case .incomplete(let scanned):
                    outcomes[1] += 1
                    XCTAssertLessThanOrEqual(scanned, all.count)
                case .invalid:
                    outcomes[2] += 1
                }
            }
            if n % 4 == 0 {
                let method = n % 3 == 0 ? "HEAD" : "GET"
                let whole = input.withUnsafeBytes { parser.parse($0, requestMethod: method) }
                let dribbled = dribble(input) { parser.parse($0, requestMethod: method, searchFrom: $1) }
                XCTAssertEqual(dribbled.result, whole, "input \(input)")
            }
        }
        assertSpread(outcomes)
    }

    func testChunkedDecoder() {
        let seeds = [
            "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nT: x\r\n\r\nNEXT",
            "1\r\na\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n",
            "FFFF\r\nab",
        ]
        var rng = SeededGenerator(seed: 3)
        var outcomes = [0, 0, 0]
        for input in inputs(seeds, count: 3000, seed: 4) {
            let whole = decodeChunked(input, cuts: [])
            switch whole.final {
            case .end: outcomes[0] += 1
            case .needMore, .data: outcomes[1] += 1
            case .invalid: outcomes[2] += 1
            }
            XCTAssertLessThanOrEqual(whole.payload.count, input.count)
            XCTAssertLessThanOrEqual(whole.bodyLength, input.count)
            let cuts = (0..<3).map { _ in Int.random(in: 0...input.count, using: &rng) }.sorted()
            XCTAssertEqual(decodeChunked(input, cuts: cuts), whole, "input \(input) cuts \(cuts)")
            XCTAssertEqual(decodeChunked(input, cuts: Array(0...input.count)), whole, "input \(input)")
        }
        assertSpread(outcomes)
    }

    func testRouter() {
        let router = Router(chatgpt: UpstreamOrigin(secure: true, host: "c", port: 443, basePath: "/base"),
                            platform: UpstreamOrigin(secure: true, host: "p", port: 443))
        let seeds = [
            "/chatgpt/conversations?offset=1&limit=2", "/chatgpt/backend-api/a/b?c", "/platform/v1/files",
            "/platform/dashboard/billing/x", "/chatgpt/conversation/gen_title/id", "/healthz", "/imitate/v1/models",
        ]
        let methods = ["GET", "POST", "PATCH", "DELETE"]
        var outcomes = [0, 0, 0]
        for (n, input) in inputs(seeds, count: 4000, seed: 5).enumerated() {
            let target = String(decoding: input, as: UTF8.self)
            switch router.route(method: methods[n % methods.count], target: target) {
            case .forward(let forward), .conversation(let forward), .imitate(_, let forward):
                outcomes[0] += 1
                let path = forward.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
                let allowed = ["/base/backend-api/", "/v1/", "/dashboard/"]
                XCTAssertTrue(allowed.contains { path.hasPrefix($0) }, forward.target)
                XCTAssertFalse(path.split(separator: "/").contains { $0 == ".." || $0 == "." }, forward.target)
            case .reject(let error):
                outcomes[error.status == 400 ? 1 : 2] += 1
                XCTAssertTrue([400, 404, 405].contains(error.status))
            case .health, .login:
                break
            }
        }
        assertSpread(outcomes)
    }

    /// A turn's body is edited as bytes (ConversationBody.prepared): whatever the client sent, the result is
    /// the same JSON object with the prepare state added when it was absent, and nothing else changed.
    func testConversationBodyPreparationKeepsEveryOtherMember() throws {
        let seeds = [
            #"{"action":"next","messages":[{"content":{"parts":["hi }"]}}],"model":"auto"}"#,
            #" { "a" : [1, {"b": "}"}] , "c":null }  "#, "{}", #"{"client_prepare_state":"sent","x":"}"}"#,
            "{\"k\":\"\\u007d\",\"n\":-1.5e3}\n",
        ]
        var objects = 0
        for input in inputs(seeds, count: 4000, seed: 11) {
            guard let body = ConversationBody(input), case .object(let sent)? = JSONObjectReader.value(input) else { continue }
            objects += 1
            XCTAssertEqual(body.prepared(for: .b2024), input)
            let prepared = body.prepared(for: .c2026)
            guard case .object(let members)? = JSONObjectReader.value(prepared) else {
                return XCTFail("not an object after preparing: \(String(decoding: input, as: UTF8.self))")
            }
            let hadState = sent.contains { $0.name == "client_prepare_state" }
            XCTAssertEqual(members.map(\.name), sent.map(\.name) + (hadState ? [] : ["client_prepare_state"]))
            if !hadState { XCTAssertEqual(members.last?.value.string, "success") }
        }
        XCTAssertGreaterThan(objects, 100, "too few mutated bodies were still JSON objects to mean anything")
    }
}


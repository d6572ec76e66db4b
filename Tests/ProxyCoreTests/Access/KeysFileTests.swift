import ProxyCore
import XCTest

final class KeysFileTests: XCTestCase {
    private let digestA = String(repeating: "a", count: 64)
    private let digestB = String(repeating: "b", count: 64)
    private let digestC = String(repeating: "c", count: 64)

    private func line(id: String = "k_alice001", name: String = "alice", sha256: String? = nil, _ extra: String = "") -> String {
        #"{"id":"\#(id)","name":"\#(name)","sha256":"\#(sha256 ?? digestA)","created":"2026-05-01T12:00:00Z"\#(extra)}"#
    }

    private func parse(_ text: String) throws -> KeysFile {
        try KeysFile(path: "keys.jsonl", bytes: Array(text.utf8))
    }

    func testGoodFileWithCommentsBlankLinesAndCRLF() throws {
        let text = "# team keys\n\n" + line(#","rpm":60,"burst":10,"concurrency":4,"daily":5000,"routes":["chatgpt","imitate"],"cidrs":["10.0.0.0/8","2001:db8::/32"],"expires":"2027-01-31T00:00:00Z","disabled":true"#)
            + "\r\n   # indented comment\n\t \n  " + line(id: "k_bob", name: "bob ✓", sha256: digestB) + "\n"
            + line(id: "k_carol", name: "carol", sha256: digestC.uppercased())
        let file = try parse(text)
        XCTAssertEqual(file.entries.map(\.line), [3, 6, 7])
        let alice = file.records[0]
        XCTAssertEqual(alice.id, "k_alice001")
        XCTAssertEqual(alice.name, "alice")
        XCTAssertEqual(alice.digest.hex, digestA)
        XCTAssertEqual(alice.limits, KeyRecord.Limits(requestsPerMinute: 60, burst: 10, concurrentStreams: 4,
                                                      requestsPerDay: 5000))
        XCTAssertEqual(alice.routes, [.chatgpt, .imitate])
        XCTAssertEqual(alice.cidrs?.map(\.description), ["10.0.0.0/8", "2001:db8::/32"])
        XCTAssertEqual(alice.expires, 1_801_353_600)
        XCTAssertTrue(alice.disabled)
        XCTAssertEqual(alice.created, 1_777_636_800)

        let bob = file.records[1]
        XCTAssertEqual(bob.name, "bob ✓")
        XCTAssertEqual(bob.limits, KeyRecord.Limits())
        XCTAssertEqual(bob.routes, .all)
        XCTAssertNil(bob.cidrs)
        XCTAssertNil(bob.expires)
        XCTAssertFalse(bob.disabled)
        XCTAssertEqual(file.records[2].digest.hex, digestC)
    }

    /// No burst: requests at the steady rate and no faster; a burst of 0 given is the same, and not written back.
    func testBurstDefaultsToNone() throws {
        let records = try parse(line(#","rpm":30"#) + "\n" + line(id: "k_b", name: "b", sha256: digestB, #","rpm":30,"burst":0"#)).records
        XCTAssertEqual(records.map(\.limits), Array(repeating: KeyRecord.Limits(requestsPerMinute: 30, burst: 0), count: 2))
        XCTAssertFalse(records[1].jsonLine.contains("burst"), records[1].jsonLine)
    }

    func testEmptyFileAndOnlyComments() throws {
        XCTAssertTrue(try parse("").entries.isEmpty)
        XCTAssertTrue(try parse("# nothing yet\n\n").entries.isEmpty)
    }

    /// Each mistake is reported with its line (the good line 1 and comment line 2 come first) and what is wrong.
    func testErrorsNameTheLineAndTheProblem() {
        let cases: [(String, String)] = [
            ("{", "not valid JSON"),
            (#"{"id":"k_1",}"#, "not valid JSON"),
            ("[1,2]", "expected a JSON object {...}"),
            (line(#","rmp":60"#), #"unknown member "rmp" (known: id, name, sha256, rpm, burst, concurrency, daily, routes, cidrs, expires, disabled, created)"#),
            (line(#","rpm":60,"rpm":61"#), "rpm: given twice"),
            (#"{"name":"x","sha256":"\#(digestB)","created":"2026-05-01T12:00:00Z"}"#, "id: missing"),
            (#"{"id":"k_x","sha256":"\#(digestB)","created":"2026-05-01T12:00:00Z"}"#, "name: missing"),
            (#"{"id":"k_x","name":"x","created":"2026-05-01T12:00:00Z"}"#, "sha256: missing"),
            (#"{"id":"k_x","name":"x","sha256":"\#(digestB)"}"#, "created: missing"),
            (line(id: "k x", sha256: digestB), #"id: expected 1 to 32 letters, digits, _ or -, got "k x""#),
            (line(id: "", sha256: digestB), #"id: expected 1 to 32 letters, digits, _ or -, got """#),
            (line(name: "", sha256: digestB), "name: empty"),
            (line(name: #"a\nb"#, sha256: digestB), #"name: has control characters: "a\u000ab""#),
            (line(name: #"a\u0085b"#, sha256: digestB), #"name: has control characters: "a\u0085b""#),
            (line(name: String(repeating: "n", count: 65), sha256: digestB), "name: longer than 64 bytes: \"\(String(repeating: "n", count: 65))\""),
            (line(sha256: "abc"), "sha256: expected 64 hex digits"),
            (line(sha256: String(repeating: "g", count: 64)), "sha256: expected 64 hex digits"),
            (line(sha256: digestB, #","rpm":"60""#), "rpm: expected a number"),
            (line(sha256: digestB, #","rpm":0"#), #"rpm: expected a whole number from 1 to 60000000, got "0""#),
            (line(sha256: digestB, #","rpm":1.5"#), #"rpm: expected a whole number from 1 to 60000000, got "1.5""#),
            (line(sha256: digestB, #","rpm":-1"#), #"rpm: expected a whole number from 1 to 60000000, got "-1""#),
            (line(sha256: digestB, #","daily":1e3"#), #"daily: expected a whole number from 1 to 4294967295, got "1e3""#),
            (line(sha256: digestB, #","concurrency":1000001"#), #"concurrency: expected a whole number from 1 to 1000000, got "1000001""#),
            (line(sha256: digestB, #","daily":4294967296"#), #"daily: expected a whole number from 1 to 4294967295, got "4294967296""#),
            (line(sha256: digestB, #","rpm":5,"burst":-1"#), #"burst: expected a whole number from 0 to 1000000, got "-1""#),
            (line(sha256: digestB, #","burst":5"#), "burst needs rpm: it is the rate's burst"),
            (line(sha256: digestB, #","burst":0"#), "burst needs rpm: it is the rate's burst"),
            (line(sha256: digestB, #","routes":"chatgpt""#), "routes: expected an array of strings"),
            (line(sha256: digestB, #","routes":["chatgpt",1]"#), "routes: expected an array of strings"),
            (line(sha256: digestB, #","routes":[]"#), "routes: empty; leave it out to allow every route group"),
            (line(sha256: digestB, #","routes":["chat"]"#), #"routes: expected names from chatgpt, platform, imitate, login, got "chat""#),
            (line(sha256: digestB, #","cidrs":[]"#), "cidrs: empty; leave it out to allow any address"),
            (line(sha256: digestB, #","cidrs":["10.0.0.0/33"]"#), #"cidrs: expected a CIDR such as 10.0.0.0/8 or 2001:db8::/32, got "10.0.0.0/33""#),
            (line(sha256: digestB, #","expires":"2027-02-30T00:00:00Z""#), #"expires: expected a UTC time such as 2027-01-31T00:00:00Z, got "2027-02-30T00:00:00Z""#),
            (line(sha256: digestB, #","expires":null"#), "expires: expected a string"),
            (line(sha256: digestB, #","disabled":"yes""#), "disabled: expected true or false"),
            (line(id: "k_alice001", name: "other", sha256: digestB), #"id "k_alice001" is already on line 1"#),
            (line(id: "k_other", sha256: digestB), #"name "alice" is already on line 1"#),
            (line(id: "k_other", name: "other", sha256: digestA.uppercased()), "the same key as line 1 (sha256 repeated)"),
        ]
        for (bad, problem) in cases {
            let text = line() + "\n# comment\n" + bad + "\n" + line(id: "k_last", name: "last", sha256: digestC) + "\n"
            XCTAssertThrowsError(try parse(text), bad) { error in
                XCTAssertEqual((error as? KeysFileError)?.line, 3, bad)
                XCTAssertEqual((error as? KeysFileError)?.problem, problem, bad)
                XCTAssertEqual("\(error)", "keys.jsonl line 3: \(problem)")
                XCTAssertFalse("\(error)".contains("\n"))
            }
        }
    }

    func testInvalidUTF8IsRefused() {
        let bytes = Array((line() + "\n").utf8) + [0x7B, 0xFF, 0x7D, 0x0A]
        XCTAssertThrowsError(try KeysFile(path: "k", bytes: bytes)) { error in
            XCTAssertEqual("\(error)", "k line 2: not UTF-8 text")
        }
    }

    func testMissingFileNamesIt() {
        XCTAssertThrowsError(try KeysFile.read("/nonexistent/keys.jsonl")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/keys.jsonl: cannot be read: No such file or directory")
        }
    }

    func testSerializerRoundTrip() throws {
        let full = try parse(line(#","rpm":60,"burst":10,"concurrency":4,"daily":5000,"routes":["imitate","chatgpt"],"cidrs":["10.0.0.0/8","2001:DB8::/32"],"expires":"2027-01-31T00:00:00Z","disabled":true"#)).records[0]
        XCTAssertEqual(full.jsonLine, #"{"id":"k_alice001","name":"alice","sha256":"\#(digestA)","rpm":60,"burst":10,"concurrency":4,"daily":5000,"routes":["chatgpt","imitate"],"cidrs":["10.0.0.0/8","2001:DB8::/32"],"expires":"2027-01-31T00:00:00Z","disabled":true,"created":"2026-05-01T12:00:00Z"}"#)
        let minimal = try parse(line(name: #"quote \" and é"#)).records[0]
        XCTAssertEqual(minimal.jsonLine, #"{"id":"k_alice001","name":"quote \" and é","sha256":"\#(digestA)","disabled":false,"created":"2026-05-01T12:00:00Z"}"#)
        for record in [full, minimal] {
            XCTAssertEqual(try parse(record.jsonLine).records, [record])
        }
    }

    /// `revoke` rewrites one line; every other byte stays, comments, CRLF and a missing last newline included.
    func testReplacingOneLineKeepsTheRest() throws {
        let text = "# keys\r\n" + line() + "\r\n  # bob below\n" + line(id: "k_bob", name: "bob", sha256: digestB)
        let file = try parse(text)
        var bob = file.records[1]
        bob.disabled = true
        let rewritten = String(decoding: file.replacing(file.entries[1], with: bob), as: UTF8.self)
        XCTAssertEqual(rewritten, "# keys\r\n" + line() + "\r\n  # bob below\n" + bob.jsonLine)
        XCTAssertTrue(try parse(rewritten).records[1].disabled)
        XCTAssertEqual(try parse(rewritten).records[0], file.records[0])
    }

    func testAppendixStartsANewLineWhenTheFileHasNone() throws {
        let record = try parse(line(id: "k_new", name: "new", sha256: digestB)).records[0]
        let ending = try parse(line() + "\n").appendix(record)
        XCTAssertEqual(String(decoding: ending, as: UTF8.self), record.jsonLine + "\n")
        let unended = try parse(line()).appendix(record)
        XCTAssertEqual(String(decoding: unended, as: UTF8.self), "\n" + record.jsonLine + "\n")
        XCTAssertEqual(String(decoding: try parse("").appendix(record), as: UTF8.self), record.jsonLine + "\n")
    }

    func testEntryByIdOrName() throws {
        let file = try parse(line() + "\n" + line(id: "k_bob", name: "bob", sha256: digestB))
        XCTAssertEqual(file.entry(idOrName: "k_bob")?.record.name, "bob")
        XCTAssertEqual(file.entry(idOrName: "alice")?.record.id, "k_alice001")
        XCTAssertNil(file.entry(idOrName: "carol"))
    }
}

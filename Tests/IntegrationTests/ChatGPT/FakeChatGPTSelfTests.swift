import Foundation
import XCTest

/// The fake chatgpt.com against its own reference client, without proxyd: it must accept a correct handshake and
/// refuse what the spec says the site refuses, or the proxyd tests built on it prove nothing.
final class FakeChatGPTSelfTests: XCTestCase {
    private var pki: TestPKI!
    private var site: FakeChatGPT!

    override func setUpWithError() throws {
        try super.setUpWithError()
        pki = try TestPKI.shared.get()
        site = try FakeChatGPT(pki: pki)
    }

    override func tearDown() {
        site?.shutdown()
        super.tearDown()
    }

    private func client(_ account: String = "acct-self-1") throws -> FakeChatGPTReferenceClient {
        let client = try FakeChatGPTReferenceClient(site: site, pki: pki, accountID: account)
        try client.bootstrap()
        return client
    }

    func testHashesMatchTheSpecsVectors() {
        XCTAssertEqual(FakeChatGPTHash.fnvHex([UInt8]()), "ab3e7c0b")
        XCTAssertEqual(FakeChatGPTHash.fnvHex(Array("abc".utf8)), "1cc93dbc")
        XCTAssertEqual(FakeChatGPTHash.fnvHex(Array("seed".utf8) + Array("QQ==".utf8)), "d6f87bf8")
        XCTAssertEqual(FakeChatGPTHash.sha3_512Hex([]),
                       "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a615b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26")
        XCTAssertEqual(FakeChatGPTHash.sha3_512Hex(Array("abc".utf8)),
                       "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0")
    }

    /// Lengths around the 72-byte rate, where padding spills into a second block, against the openssl CLI.
    func testSHA3AgreesWithOpenSSLAcrossBlockBoundaries() throws {
        for length in [71, 72, 73, 143, 144, 1000] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let file = pki.directory.appendingPathComponent("sha3-\(length).bin")
            try Data(bytes).write(to: file)
            let result = try Command.run("openssl", ["dgst", "-sha3-512", "-r", file.path])
            XCTAssertEqual(result.status, 0, result.errors)
            XCTAssertEqual(FakeChatGPTHash.sha3_512Hex(bytes), String(result.output.prefix(128)), "length \(length)")
        }
    }

    func testGenerationCTurnInBothFormats() throws {
        let client = try client()
        XCTAssertEqual(client.build, site.build)
        for (encodings, first) in [(["v1"], "event: delta_encoding\ndata: \"v1\"\n\n"), (nil, "data: {\"conversation_id\"")] as [([String]?, String)] {
            let mark = site.mark
            let answer = try client.converse(FakeChatGPTTurnBody.make(encodings: encodings), tokens: try client.handshakeC())
            XCTAssertEqual(answer.header("content-type"), "text/event-stream; charset=utf-8")
            XCTAssertTrue(answer.text.hasPrefix(first), answer.text)
            XCTAssertTrue(answer.text.hasSuffix("data: [DONE]\n\n"))
            XCTAssertTrue(answer.text.contains("hello"), answer.text)
            XCTAssertEqual(site.refusals(since: mark), [])
            let conversation = try XCTUnwrap(site.records(.conversation, since: mark).first)
            XCTAssertEqual(site.streamWrites(of: conversation).count, FakeChatGPTStream.writeCount)
            XCTAssertEqual(site.streamWrites(of: conversation).flatMap(\.bytes), answer.body)
        }
    }

    func testGenerationBTurn() throws {
        let client = try client()
        let answer = try client.converse(FakeChatGPTTurnBody.make(encodings: []), tokens: try client.handshakeB())
        XCTAssertTrue(answer.text.hasSuffix("data: [DONE]\n\n"))
        XCTAssertEqual(site.refusals(), [])
    }

    func testAProofThatMissesTheDifficultyIsRefusedAtFinalize() throws {
        site.configure { $0.difficulty = "00ffff" }
        let client = try client()
        let failed = try XCTUnwrap(refusal { try client.handshakeC(failingProof: true) })
        XCTAssertEqual(failed.path, "/backend-api/sentinel/chat-requirements/finalize")
        XCTAssertEqual(failed.response.status, 403)
        XCTAssertEqual(failed.response.text, FakeChatGPTState.unusualActivity)
        XCTAssertTrue(failed.response.header("x-fake-refusal")?.contains("above the difficulty 00ffff") == true, "\(failed)")
    }

    func testAConfigWhoseUserAgentDiffersFromTheHeaderIsRefused() throws {
        let client = try client()
        client.configUserAgent = "Mozilla/5.0 (Windows NT 10.0) Chrome/1"
        let failed = try XCTUnwrap(refusal { try client.handshakeC() })
        XCTAssertEqual(failed.path, "/backend-api/sentinel/chat-requirements/prepare")
        XCTAssertTrue(failed.response.header("x-fake-refusal")?.contains("User-Agent") == true, "\(failed)")
    }

    func testTokensAreSingleUseAndTheRefusalIsTheSitesText() throws {
        let client = try client()
        let tokens = try client.handshakeC()
        _ = try client.converse(FakeChatGPTTurnBody.make(), tokens: tokens)
        let failed = try XCTUnwrap(refusal { try client.converse(FakeChatGPTTurnBody.make(), tokens: tokens) })
        XCTAssertEqual(failed.response.status, 403)
        XCTAssertEqual(failed.response.text,
                       #"{"detail":"Unusual activity has been detected from your device. Try again later."}"#)
        let unknown = FakeChatGPTReferenceClient.Tokens(conduit: tokens.conduit, requirements: "gAAAAABnever", proof: tokens.proof)
        XCTAssertEqual(refusal { try client.converse(FakeChatGPTTurnBody.make(), tokens: unknown) }?.response.status, 403)
    }

    func testAGenerationCTokenIsRefusedOnTheGenerationBEndpoint() throws {
        let client = try client()
        var tokens = try client.handshakeC()
        tokens.conduit = nil
        XCTAssertEqual(refusal { try client.converse(FakeChatGPTTurnBody.make(), tokens: tokens) }?.response.status, 403)
    }

    func testARotatedBuildIsRefusedUntilTheClientBootstrapsAgain() throws {
        let client = try client()
        let old = client.build
        let new = site.rotateBuild()
        XCTAssertNotEqual(old, new)
        let failed = try XCTUnwrap(refusal { try client.handshakeC() })
        XCTAssertEqual(failed.response.status, 403)
        XCTAssertEqual(failed.response.text, FakeChatGPTState.staleBuild)
        try client.bootstrap()
        XCTAssertEqual(client.build, new)
        XCTAssertNoThrow(try client.converse(FakeChatGPTTurnBody.make(), tokens: try client.handshakeC()))
    }

    func testTurnstileRequiredIsRefusedAtFinalize() throws {
        site.configure { $0.turnstileRequired = true }
        let client = try client()
        let failed = try XCTUnwrap(refusal { try client.handshakeC() })
        XCTAssertEqual(failed.path, "/backend-api/sentinel/chat-requirements/finalize")
        XCTAssertEqual(failed.response.status, 403)
        XCTAssertEqual(failed.response.text, FakeChatGPTState.turnstileRequired)
    }

    /// Another account's cookies, or the same account under another device id, are what "crossing" looks like.
    func testCookiesAndDeviceIDsDoNotCrossAccounts() throws {
        let first = try client("acct-self-a")
        _ = try first.handshakeC()
        let second = try FakeChatGPTReferenceClient(site: site, pki: pki, accountID: "acct-self-b")
        // The second account borrows the first one's browser: its cookies and device id.
        for (name, value) in first.http.cookies["localhost"] ?? [:] { second.http.setCookie(name, value, host: "localhost") }
        try second.bootstrap()
        let failed = try XCTUnwrap(refusal { try second.handshakeC() })
        XCTAssertTrue(failed.response.header("x-fake-refusal")?.contains("acct-self-a") == true, "\(failed)")
    }

    func testAHandshakeWithoutTheBootstrapsCookiesIsRefused() throws {
        let client = try FakeChatGPTReferenceClient(site: site, pki: pki, accountID: "acct-self-nocookie")
        client.build = site.build
        let failed = try XCTUnwrap(refusal { try client.handshakeC() })
        XCTAssertEqual(failed.response.status, 403)
        XCTAssertTrue(failed.response.header("x-fake-refusal")?.contains("cookies") == true, "\(failed)")
    }

    func testAStepRefusedByTheTestAnswersItsStatusAndBody() throws {
        site.configure { $0.refusals[.sentinelPrepare] = (401, #"{"detail":"token expired"}"#) }
        let client = try client()
        let failed = try XCTUnwrap(refusal { try client.handshakeC() })
        XCTAssertEqual(failed.response.status, 401)
        XCTAssertEqual(failed.response.text, #"{"detail":"token expired"}"#)
    }

    func testNextDifficultiesComeFirst() throws {
        site.configure { $0.nextDifficulties = ["00ffff"] }
        let client = try client()
        _ = try client.handshakeB()
        _ = try client.handshakeB()
        let answers = site.records(.requirements).map { String(decoding: $0.responseBody, as: UTF8.self) }
        XCTAssertTrue(answers.first?.contains(#""difficulty":"00ffff""#) == true, "\(answers)")
        XCTAssertTrue(answers.last?.contains(#""difficulty":"0fffff""#) == true, "\(answers)")
    }
}

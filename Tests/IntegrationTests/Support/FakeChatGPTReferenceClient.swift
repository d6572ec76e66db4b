import Foundation
import NIOHTTP1
import XCTest

/// A turn's client body, as a go-chatgpt-api client sends it.
enum FakeChatGPTTurnBody {
    /// `encodings` nil: no `supported_encodings` member (full-message format); ["v1"]: the delta format.
    static func make(prompt: String = "hello", encodings: [String]? = ["v1"], extra: String = "") -> [UInt8] {
        let message = UUID().uuidString.lowercased()
        let parent = UUID().uuidString.lowercased()
        var text = #"{"action":"next","messages":[{"id":"\#(message)","author":{"role":"user"},"#
            + #""content":{"content_type":"text","parts":["\#(prompt)"]}}],"parent_message_id":"\#(parent)","#
            + #""model":"auto","timezone_offset_min":0"#
        if let encodings {
            text += #","supported_encodings":["# + encodings.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        }
        return Array((text + extra + "}").utf8)
    }
}

/// The fake's own reference client for its self-tests: the handshake of chatgpt-web.md done by hand, with the
/// login fake's crude browser (`FakeAuthClient`: HTTP/1.1, one connection per request, a cookie jar).
final class FakeChatGPTReferenceClient {
    static let userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36"

    /// A step answered with something else than 200.
    struct StepFailed: Error, CustomStringConvertible {
        let path: String
        let response: FakeAuthClient.Response
        var description: String {
            "\(path) answered \(response.status): \(response.text) (\(response.header("x-fake-refusal") ?? "no refusal reason"))"
        }
    }

    struct Tokens {
        var conduit: String?
        let requirements: String
        let proof: String?
    }

    let site: FakeChatGPT
    let http: FakeAuthClient
    let accessToken: String
    let deviceID: String
    let sessionID = UUID().uuidString.lowercased()
    var userAgent = FakeChatGPTReferenceClient.userAgent
    /// The config's User-Agent; set it apart from `userAgent` to spoil proofs.
    var configUserAgent = FakeChatGPTReferenceClient.userAgent
    /// `oai-client-build-number`, for a fake that expects a given one.
    var buildNumber = "5540000"
    /// From the bootstrap; a test may set it to skip one.
    var build = ""

    init(site: FakeChatGPT, pki: TestPKI, accountID: String) throws {
        self.site = site
        http = try FakeAuthClient(port: site.port, trustRoot: pki.trustedCAPath)
        accessToken = FakeChatGPTAccessToken.make(accountID: accountID)
        // A random UUID with the version nibble of a v5 (the fake cannot know the namespace proxyd uses).
        var id = Array(UUID().uuidString.lowercased())
        id[14] = "5"
        deviceID = String(id)
        http.setCookie("oai-did", deviceID, host: "localhost")
    }

    @discardableResult
    func bootstrap() throws -> FakeAuthClient.Response {
        let response = try http.send(.GET, site.origin + "/", headers: [("user-agent", userAgent),
                                                                        ("accept", "text/html,application/xhtml+xml")])
        guard response.status == 200, let range = response.text.range(of: #"data-build=""#) else {
            throw StepFailed(path: "/", response: response)
        }
        build = String(response.text[range.upperBound...].prefix { $0 != "\"" })
        return response
    }

    private func clientHeaders(_ path: String) -> [(String, String)] {
        [("authorization", "Bearer " + accessToken), ("user-agent", userAgent), ("content-type", "application/json"),
         ("oai-device-id", deviceID), ("oai-session-id", sessionID), ("oai-language", "en-US"),
         ("oai-client-version", build), ("oai-client-build-number", buildNumber),
         ("x-openai-target-path", path), ("x-openai-target-route", path)]
    }

    private func post(_ path: String, _ headers: [(String, String)], _ body: String,
                      stopAfter: Int? = nil) throws -> FakeAuthClient.Response {
        let response = try http.send(.POST, site.origin + path, headers: headers, body: body, stopAfter: stopAfter)
        guard response.status == 200 else { throw StepFailed(path: path, response: response) }
        return response
    }

    private func json(_ response: FakeAuthClient.Response) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }

    private func config(nonce: Int, elapsed: Any) -> [Any] {
        FakeSentinelProofs.config(userAgent: configUserAgent, buildID: build, deviceID: deviceID, nonce: nonce, elapsed: elapsed)
    }

    private func proof(for answer: [String: Any], generation: FakeSentinelGeneration, failing: Bool) -> String? {
        guard let pow = answer["proofofwork"] as? [String: Any], pow["required"] as? Bool == true,
              let seed = pow["seed"] as? String, let difficulty = pow["difficulty"] as? String else { return nil }
        return FakeSentinelProofs.solve(seed: seed, difficulty: difficulty, generation: generation, failing: failing) {
            self.config(nonce: $0, elapsed: $0 % 50)
        }
    }

    /// Generation C, steps 2 to 5; `failingProof` sends a proof whose hash misses the difficulty.
    func handshakeC(failingProof: Bool = false) throws -> Tokens {
        let preparePath = "/backend-api/f/conversation/prepare"
        let prepareBody = #"{"action":"next","parent_message_id":"client-created-root","model":"auto","#
            + #""client_prepare_state":"none","timezone_offset_min":0,"timezone":"UTC","#
            + #""conversation_mode":{"kind":"primary_assistant"},"system_hints":[],"supports_buffering":true,"#
            + #""supported_encodings":["v1"]}"#
        let conduit = json(try post(preparePath, clientHeaders(preparePath) + [("x-conduit-token", "no-token")],
                                    prepareBody))["conduit_token"] as? String
        let requirements = FakeSentinelProofs.requirementsToken(config(nonce: 1, elapsed: 0.4321), generation: .c2026)
        let sentinelPath = "/backend-api/sentinel/chat-requirements/prepare"
        let prepared = json(try post(sentinelPath, clientHeaders(sentinelPath), #"{"p":"\#(requirements)"}"#))
        let proof = proof(for: prepared, generation: .c2026, failing: failingProof)
        var finalizeBody: [String: Any] = ["prepare_token": prepared["prepare_token"] as? String ?? ""]
        if let proof { finalizeBody["proofofwork"] = proof }
        let finalizePath = "/backend-api/sentinel/chat-requirements/finalize"
        let finalized = json(try post(finalizePath, clientHeaders(finalizePath), Self.text(finalizeBody)))
        return Tokens(conduit: conduit, requirements: finalized["token"] as? String ?? "", proof: proof)
    }

    /// Generation B's requirements call.
    func handshakeB() throws -> Tokens {
        let requirements = FakeSentinelProofs.requirementsToken(config(nonce: 1, elapsed: 0.25), generation: .b2024)
        let path = "/backend-api/sentinel/chat-requirements"
        let answer = json(try post(path, clientHeaders(path), #"{"p":"\#(requirements)"}"#))
        return Tokens(conduit: nil, requirements: answer["token"] as? String ?? "", proof: proof(for: answer, generation: .b2024,
                                                                                                  failing: false))
    }

    /// Step 6 with `tokens`: generation C's `/f/conversation` when they hold a conduit token, else B's.
    func converse(_ body: [UInt8], tokens: Tokens, stopAfter: Int? = nil) throws -> FakeAuthClient.Response {
        let path = tokens.conduit == nil ? "/backend-api/conversation" : "/backend-api/f/conversation"
        var headers = clientHeaders(path) + [("accept", "text/event-stream"),
                                             ("openai-sentinel-chat-requirements-token", tokens.requirements)]
        if let proof = tokens.proof { headers.append(("openai-sentinel-proof-token", proof)) }
        if let conduit = tokens.conduit {
            headers += [("x-conduit-token", conduit), ("x-oai-turn-trace-id", UUID().uuidString.lowercased()),
                        ("origin", site.origin), ("referer", site.origin + "/")]
        }
        var text = String(decoding: body, as: UTF8.self)
        if tokens.conduit != nil && !text.contains("client_prepare_state") {
            text = String(text.dropLast()) + #","client_prepare_state":"success"}"#
        }
        return try post(path, headers, text, stopAfter: stopAfter)
    }

    /// `GET /backend-api/models` with the access token.
    func models(authorized: Bool = true) throws -> FakeAuthClient.Response {
        try http.send(.GET, site.origin + "/backend-api/models",
                      headers: (authorized ? [("authorization", "Bearer " + accessToken)] : []) + [("user-agent", userAgent)])
    }

    private static func text(_ object: [String: Any]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? Data(),
               as: UTF8.self)
    }
}

extension XCTestCase {
    /// The refusal a reference client's step failed with, or a test failure if it did not fail.
    func refusal(_ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line)
        -> FakeChatGPTReferenceClient.StepFailed? {
        do {
            _ = try body()
            XCTFail("the fake accepted it", file: file, line: line)
        } catch let failed as FakeChatGPTReferenceClient.StepFailed {
            return failed
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
        return nil
    }
}

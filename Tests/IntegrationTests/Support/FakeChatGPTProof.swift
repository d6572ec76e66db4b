import Foundation

/// The sentinel's two handshakes as the fake tells them apart (chatgpt-web.md §1–3).
enum FakeSentinelGeneration: String {
    /// 2024: one requirements call, SHA3-512 proofs, no suffix, `/backend-api/conversation`.
    case b2024
    /// 2026: conduit, prepare and finalize, FNV-1a proofs and requirements tokens ending in `~S`, `/f/conversation`.
    case c2026

    var suffix: String { self == .c2026 ? "~S" : "" }

    func hashHex(_ bytes: [UInt8]) -> String {
        self == .c2026 ? FakeChatGPTHash.fnvHex(bytes) : FakeChatGPTHash.sha3_512Hex(bytes)
    }
}

/// What a config array must agree with: the request that carries it, and the site's own state.
struct FakeConfigExpectation {
    let userAgent: String
    let buildID: String
    let deviceID: String
    /// The request's `oai-language`, when it sent one: `navigator.language` must match it.
    let language: String?
}

/// Decoding and verification of proofs (`gAAAAAB…`) and requirements tokens (`gAAAAAC…`), plus the reference
/// side that builds them, for the fake's self-tests.
enum FakeSentinelProofs {
    static let proofPrefix = "gAAAAAB"
    static let requirementsPrefix = "gAAAAAC"
    static let configLength = 25

    // MARK: verification

    /// nil when `proof` is a valid answer to `seed` at `difficulty`; otherwise why not.
    static func verifyProof(_ proof: String, seed: String, difficulty: String, generation: FakeSentinelGeneration,
                            expect: FakeConfigExpectation) -> String? {
        guard let base64 = strip(proof, prefix: proofPrefix, generation: generation) else {
            return "proof \(proof.prefix(12))… lacks the prefix \(proofPrefix) or the suffix \"\(generation.suffix)\""
        }
        let hash = generation.hashHex(Array((seed + base64).utf8))
        guard hash.prefix(difficulty.count) <= Substring(difficulty) else {
            return "proof hash \(hash.prefix(difficulty.count)) is above the difficulty \(difficulty)"
        }
        return checkConfig(base64: base64, requirements: false, expect: expect)
    }

    /// nil when `token` is a well-formed requirements token for the request; otherwise why not. (Its search, if
    /// any, used a seed of the client's own, so only its shape and values can be checked.)
    static func verifyRequirements(_ token: String, generation: FakeSentinelGeneration,
                                   expect: FakeConfigExpectation) -> String? {
        guard let base64 = strip(token, prefix: requirementsPrefix, generation: generation) else {
            return "requirements token lacks the prefix \(requirementsPrefix) or the suffix \"\(generation.suffix)\""
        }
        return checkConfig(base64: base64, requirements: true, expect: expect)
    }

    private static func strip(_ token: String, prefix: String, generation: FakeSentinelGeneration) -> String? {
        guard token.hasPrefix(prefix) else { return nil }
        var rest = token.dropFirst(prefix.count)
        if generation == .c2026 {
            guard rest.hasSuffix("~S") else { return nil }
            rest = rest.dropLast(2)
        } else if rest.contains("~") {
            return nil
        }
        return String(rest)
    }

    private static func checkConfig(base64: String, requirements: Bool, expect: FakeConfigExpectation) -> String? {
        guard let data = Data(base64Encoded: base64) else { return "config is not standard padded base64" }
        let json = String(decoding: data, as: UTF8.self)
        if json.contains("\\u") { return "config JSON has \\u escapes" }
        if let problem = whitespaceOutsideStrings(json) { return problem }
        guard let config = (try? JSONSerialization.jsonObject(with: data)) as? [Any] else {
            return "config is not a JSON array"
        }
        guard config.count == configLength else { return "config has \(config.count) elements, not \(configLength)" }
        func string(_ index: Int) -> String? { config[index] as? String }
        func number(_ index: Int) -> Double? {
            guard let value = config[index] as? NSNumber, !(config[index] is String) else { return nil }
            return value.doubleValue
        }
        for index in [0, 2, 3, 9, 13, 16, 17] where number(index) == nil { return "config[\(index)] is not a number" }
        for index in [1, 4, 5, 6, 7, 8, 10, 11, 12, 14, 15] where string(index) == nil {
            return "config[\(index)] is not a string"
        }
        for index in 18..<25 where ![0.0, 1.0].contains(number(index) ?? -1) { return "config[\(index)] is not 0 or 1" }
        let nonce = number(3) ?? -1
        if nonce != nonce.rounded() || nonce < 0 { return "config[3] (the nonce) is not a whole number" }
        if requirements && nonce != 1 { return "config[3] is \(nonce) in a requirements token, not 1" }
        if string(4) != expect.userAgent {
            return "config[4] \(string(4) ?? "") is not the request's User-Agent \(expect.userAgent)"
        }
        if string(6) != expect.buildID { return "config[6] \(string(6) ?? "") is not the build \(expect.buildID)" }
        if string(14) != expect.deviceID {
            return "config[14] \(string(14) ?? "") is not the device id \(expect.deviceID)"
        }
        if let language = expect.language, string(7) != language {
            return "config[7] \(string(7) ?? "") is not the oai-language \(language)"
        }
        if string(10)?.contains("\u{2212}") != true { return "config[10] has no U+2212 between name and value" }
        let now = Date().timeIntervalSince1970 * 1000
        if let origin = number(17), origin < now - 86_400_000 || origin > now + 60_000 {
            return "config[17] (timeOrigin) \(origin) is not within the last day"
        }
        return nil
    }

    /// JSON.stringify output has no whitespace between tokens.
    private static func whitespaceOutsideStrings(_ json: String) -> String? {
        var inString = false
        var escaped = false
        for byte in json.utf8 {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if [9, 10, 13, 32].contains(byte) {
                return "config JSON is not compact (whitespace between elements)"
            }
        }
        return nil
    }

    // MARK: the reference side (self-tests)

    /// A browser-shaped config array; `nonce` and `elapsed` are elements 3 and 9.
    static func config(userAgent: String, buildID: String, deviceID: String, language: String = "en-US",
                       nonce: Int = 1, elapsed: Any = 0.5) -> [Any] {
        let start = Int(Date().timeIntervalSince1970 * 1000) - 5_000
        return [3000, "Tue Dec 01 2026 10:04:05 GMT+0000 (Coordinated Universal Time)", 4_294_705_152, nonce, userAgent,
                "https://chatgpt.com/backend-api/sentinel/sdk.js", buildID, language, language + ",en", elapsed,
                "vendor\u{2212}Google Inc.", "location", "onfocus", 5_000.5, deviceID, "", 8, start,
                0, 0, 0, 0, 0, 0, 0]
    }

    static func encode(_ config: [Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: config, options: [.withoutEscapingSlashes])) ?? Data()
        return data.base64EncodedString()
    }

    static func requirementsToken(_ config: [Any], generation: FakeSentinelGeneration) -> String {
        requirementsPrefix + encode(config) + generation.suffix
    }

    /// Searches nonces until the hash meets (or, with `failing`, misses) the difficulty.
    static func solve(seed: String, difficulty: String, generation: FakeSentinelGeneration, failing: Bool = false,
                      config: (Int) -> [Any]) -> String {
        var nonce = 0
        while true {
            let base64 = encode(config(nonce))
            let meets = generation.hashHex(Array((seed + base64).utf8)).prefix(difficulty.count) <= Substring(difficulty)
            if meets != failing { return proofPrefix + base64 + generation.suffix }
            nonce += 1
        }
    }
}

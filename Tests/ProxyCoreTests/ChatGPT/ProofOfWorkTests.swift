import CProofOfWork
import Glibc
import XCTest

@testable import ProxyCore

final class ProofOfWorkTests: XCTestCase {
    private let config = SentinelConfigTests.config

    // MARK: hashes

    func testFNVVectorsOfTheSpec() {
        let vectors: [(String, String)] = [("", "ab3e7c0b"), ("abc", "1cc93dbc"), ("seedQQ==", "d6f87bf8")]
        for (text, digest) in vectors {
            XCTAssertEqual(ProofOfWorkReference.fnvHex(Array(text.utf8)), digest)
            let bytes = Array(text.utf8)
            let state = bytes.withUnsafeBufferPointer { pow_fnv_update(POW_FNV_OFFSET, $0.baseAddress, $0.count) }
            XCTAssertEqual(pow_fnv_finish(state), UInt32(digest, radix: 16))
        }
    }

    func testSHA3MatchesOpenSSLAndTheStandardVectors() {
        XCTAssertEqual(ProofOfWorkReference.sha3Hex(Array("abc".utf8)),
                       "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e"
                           + "10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0")
        XCTAssertEqual(ProofOfWorkReference.sha3Hex([]),
                       "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6"
                           + "15b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26")
        for count in [0, 71, 72, 73, 700] {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37) }
            var digest = [UInt8](repeating: 0, count: 64)
            XCTAssertEqual(pow_sha3_512(bytes, bytes.count, &digest), 1)
            XCTAssertEqual(digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(),
                           ProofOfWorkReference.sha3Hex(bytes), "\(count) bytes")
        }
    }

    // MARK: the kernels against the reference, lane by lane

    /// Every lane of a batch hashes what the reference hashes for its nonce: for each lane k, a threshold
    /// equal to k's digest must find the first lane whose digest is at most that. Across digit counts,
    /// the three alignments of the nonce in base64 groups, and both hashes.
    func testKernelLanesMatchTheReference() {
        let starts = [0, 3, 10, 64, 99, 100, 937, 99_990, 1_000_000, 123_456_789_012]
        for dateExtra in ["", " ", "  "] {
            let config = SentinelConfig(userAgent: self.config.userAgent, buildID: "b", deviceID: "d",
                                        dateText: "Tue Dec 01 2026" + dateExtra, performanceNow: 1.5, timeOrigin: 2)
            for generation in [SentinelGeneration.c2026, .b2024] {
                for start in starts {
                    checkLanes(config: config, generation: generation, start: start, elapsedMs: 17)
                }
            }
        }
    }

    private func checkLanes(config: SentinelConfig, generation: SentinelGeneration, start: Int, elapsedMs: Int) {
        let seed = Array("0.4385212345".utf8)
        let digitCount = String(start).count
        let frame = ProofFrame(template: config.template, seed: seed, elapsedMs: elapsedMs, digitCount: digitCount)
        let json = ProofOfWorkReference.base64Decode(frame.base64(nonce: start))!
        XCTAssertEqual(String(decoding: json, as: UTF8.self), config.json(nonce: start, elapsed: Double(elapsedMs)))
        frame.withCFrame { cFrame in
            checkKernel(cFrame, prefix: frame.prefix, start: start, generation: generation,
                        "\(generation) from \(start), \(config.dateText.count) date chars") { nonce in
                seed + Array(frame.base64(nonce: nonce).utf8)
            }
        }
    }

    /// The JSON may end inside the groups that hold the digits (the site's layout never does): the lanes
    /// then end in base64 padding.
    func testKernelLanesPadARegionThatEndsTheJSON() {
        let seed = Array("seed".utf8)
        for (text, digitsAt, start) in [("ab", 2, 10), ("a", 1, 100), ("", 0, 5), ("abc", 3, 1000)] {
            let prefix = Array(text.utf8)
            let digitCount = String(start).count
            var varJSON = prefix + Array(repeating: UInt8(ascii: "0"), count: digitCount)
            varJSON.withUnsafeMutableBufferPointer { varBytes in
                var frame = pow_frame(var_json: varBytes.baseAddress, var_json_len: varBytes.count, digits_at: digitsAt,
                                      digit_count: digitCount, tail: nil, tail_len: 0)
                for generation in [SentinelGeneration.c2026, .b2024] {
                    checkKernel(&frame, prefix: seed, start: start, generation: generation, "\(text) \(start)") { nonce in
                        seed + Array(Base64.encode(prefix + Array(String(nonce).utf8)).utf8)
                    }
                }
            }
        }
    }

    /// For each lane k, a threshold equal to k's digest finds the first lane whose digest is at most that;
    /// below the smallest digest, none. `reference` gives the whole text a nonce's try hashes.
    private func checkKernel(_ frame: UnsafePointer<pow_frame>, prefix: [UInt8], start: Int,
                             generation: SentinelGeneration, _ message: String, reference: (Int) -> [UInt8]) {
        var limit = 1
        for _ in 0..<frame.pointee.digit_count { limit *= 10 }
        let lanes = min(generation == .c2026 ? Int(POW_MAX_LANES) : 6, limit - start)
        let digests: [UInt64] = (start..<start + lanes).map { nonce in
            let hex = ProofOfWorkReference.hashHex(reference(nonce), generation)
            return UInt64(hex.prefix(generation == .c2026 ? 8 : 16), radix: 16)!
        }
        let sha3 = pow_sha3_new()!
        defer { pow_sha3_free(sha3) }
        XCTAssertEqual(prefix.withUnsafeBufferPointer { pow_sha3_set_prefix(sha3, $0.baseAddress, $0.count) }, 1)
        let state = prefix.withUnsafeBufferPointer { pow_fnv_update(POW_FNV_OFFSET, $0.baseAddress, $0.count) }
        func search(_ threshold: UInt64) -> Int {
            Int(generation == .c2026
                ? pow_fnv_search(frame, state, UInt64(start), Int32(lanes), UInt32(threshold))
                : pow_sha3_search(sha3, frame, UInt64(start), Int32(lanes), threshold))
        }
        for digest in digests {
            XCTAssertEqual(search(digest), digests.firstIndex { $0 <= digest }!, message)
        }
        if let smallest = digests.min(), smallest > 0 {
            XCTAssertEqual(search(smallest - 1), -1, message)
        }
    }

    // MARK: whole searches

    func testFoundProofsPassTheReference() throws {
        for (generation, difficulty, seeds) in [(SentinelGeneration.c2026, "0003ff", 8), (.c2026, "00FF", 4),
                                                (.c2026, "7", 4), (.b2024, "00ff", 3), (.b2024, "0", 3)] {
            for index in 0..<seeds {
                let seed = "0.\(index)8412\(difficulty)"
                let search = try XCTUnwrap(ProofSearch(seed: seed, difficulty: difficulty, config: config,
                                                       generation: generation))
                let proof = try XCTUnwrap(solve(search), "\(generation) \(difficulty) \(seed)")
                let array = try ProofOfWorkReference.verify(proof: proof, seed: seed, difficulty: difficulty,
                                                            generation: generation, config: config)
                XCTAssertEqual(array[3] as? Int, search.tries - 1)
            }
        }
    }

    /// A search that crosses digit counts (9 → 10, 99 → 100) and many frames still finds correct proofs.
    func testSearchAcrossDigitCounts() throws {
        var found = 0
        for index in 0..<40 {
            let seed = "s\(index)"
            let search = try XCTUnwrap(ProofSearch(seed: seed, difficulty: "07", config: config, generation: .c2026))
            let proof = try XCTUnwrap(solve(search))
            try ProofOfWorkReference.verify(proof: proof, seed: seed, difficulty: "07", generation: .c2026,
                                            config: config)
            if search.tries > 10 { found += 1 }
        }
        XCTAssertGreaterThan(found, 0, "some searches went past nonce 9")
    }

    func testRunReturnsWithinItsBudget() throws {
        for generation in [SentinelGeneration.c2026, .b2024] {
            let search = try XCTUnwrap(ProofSearch(seed: "x", difficulty: "0000000000000000", config: config,
                                                   generation: generation, maxTries: .max))
            _ = search.run(forNanoseconds: 1_000_000)  // the first frame
            for budget: UInt64 in [1_000_000, 5_000_000] {
                let before = search.tries
                let start = Self.monotonicNanoseconds()
                XCTAssertEqual(search.run(forNanoseconds: budget), .pending)
                let spent = Self.monotonicNanoseconds() - start
                // Generous for a debug build on a busy machine: a batch is microseconds when optimized.
                XCTAssertLessThan(spent, budget + 20_000_000, "\(generation)")
                XCTAssertGreaterThanOrEqual(spent, budget, "\(generation)")
                XCTAssertGreaterThan(search.tries, before)
            }
        }
    }

    func testExhaustedAfterMaxTries() throws {
        for (generation, difficulty, maxTries) in [(SentinelGeneration.c2026, "00000000", 1000), (.b2024, "0000000000000000", 30)] {
            let search = try XCTUnwrap(ProofSearch(seed: "y", difficulty: difficulty, config: config,
                                                   generation: generation, maxTries: maxTries))
            XCTAssertEqual(solveOutcome(search), .exhausted)
            XCTAssertEqual(search.tries, maxTries)
            XCTAssertEqual(search.run(forNanoseconds: 1_000_000), .exhausted)
        }
    }

    func testInvalidDifficulty() {
        for difficulty in ["", "xyz", "12345678901234567", "+1", "-1", " 1", "0x1", "ｆ"] {
            XCTAssertNil(ProofSearch(seed: "s", difficulty: difficulty, config: config, generation: .c2026), difficulty)
            XCTAssertNil(ProofSearch.expectedTries(difficulty), difficulty)
        }
        XCTAssertNotNil(ProofSearch(seed: "s", difficulty: "0123456789abcdef", config: config, generation: .b2024))
        XCTAssertNotNil(ProofSearch(seed: "s", difficulty: "ABCDEF", config: config, generation: .c2026))
    }

    func testExpectedTries() throws {
        XCTAssertEqual(try XCTUnwrap(ProofSearch.expectedTries("000032")), 16_777_216.0 / 51, accuracy: 1e-6)
        XCTAssertEqual(ProofSearch.expectedTries("0"), 16)
        XCTAssertEqual(ProofSearch.expectedTries("f"), 1)
        XCTAssertEqual(ProofSearch.expectedTries("00007F"), 65_536.0 * 256 / 128)
        XCTAssertEqual(ProofSearch.expectedTries("ffffffffffffffff"), 1)
    }

    /// The string comparison of §2 as one threshold on the digest's leading digits.
    func testDifficultyThresholds() throws {
        let cases: [(String, Int, UInt64)] = [
            ("00ff", 8, 0x00FF_FFFF), ("f", 8, 0xFFFF_FFFF), ("0", 8, 0x0FFF_FFFF), ("12345678", 8, 0x1234_5678),
            // Longer than FNV's 8 digits: the whole digest compares with the difficulty's first 8.
            ("0000000a0", 8, 0xA), ("000000000000000f", 8, 0),
            ("00ff", 16, 0x00FF_FFFF_FFFF_FFFF), ("0123456789abcdef", 16, 0x0123_4567_89AB_CDEF),
        ]
        for (text, digits, threshold) in cases {
            XCTAssertEqual(try XCTUnwrap(Difficulty(text)).threshold(digestDigits: digits), threshold, text)
        }
        // Spot checks against the reference's string comparison.
        for (digest, difficulty) in [("0000000a", "0000000a0"), ("0000000b", "0000000a0"), ("0000000a", "0000000a")] {
            let passes = UInt64(digest, radix: 16)! <= Difficulty(difficulty)!.threshold(digestDigits: 8)
            XCTAssertEqual(passes, ProofOfWorkReference.passes(digest, difficulty), "\(digest) \(difficulty)")
        }
    }

    func testFailedProof() {
        XCTAssertEqual(ProofSearch.failedProof(.c2026), "gAAAAABwQ8Lk5FbGpA2NcR9dShT6gYjU7VxZ4DImUi~S")
        XCTAssertEqual(ProofSearch.failedProof(.b2024), "gAAAAABwQ8Lk5FbGpA2NcR9dShT6gYjU7VxZ4DImUi")
    }

    // MARK: helpers

    private func solveOutcome(_ search: ProofSearch) -> ProofSearch.Outcome {
        var outcome = ProofSearch.Outcome.pending
        while outcome == .pending { outcome = search.run(forNanoseconds: 2_000_000) }
        return outcome
    }

    private func solve(_ search: ProofSearch) -> String? {
        if case .found(let proof) = solveOutcome(search) { return proof }
        return nil
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

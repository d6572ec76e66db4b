import XCTest
@testable import ProxyCore

/// The stage times of the debug line that Benchmarks/lib/setup.py parses, and of the connect-stage metrics.
final class SetupTimingsTests: XCTestCase {
    func testMillisecondsHaveTwoRoundedDecimals() {
        XCTAssertEqual(SetupTimings.milliseconds(0), "0.00")
        XCTAssertEqual(SetupTimings.milliseconds(4_999), "0.00")
        XCTAssertEqual(SetupTimings.milliseconds(5_000), "0.01")
        XCTAssertEqual(SetupTimings.milliseconds(90_000), "0.09")
        XCTAssertEqual(SetupTimings.milliseconds(1_234_567), "1.23")
        XCTAssertEqual(SetupTimings.milliseconds(12_345_000_000), "12345.00")
    }

    func testStagesThatHappenedAreListed() throws {
        var timings = SetupTimings()
        timings.end(.dns)
        timings.end(.tcp)
        XCTAssertNotNil(try timings.text.wholeMatch(of: Regex(#"dns=\d+\.\d\d tcp=\d+\.\d\d"#)), timings.text)
        timings.end(.dns)  // a second lookup (SOCKS5: the proxy's name after the destination's) adds up
        timings.end(.proxy)
        timings.end(.tls)
        XCTAssertNotNil(try timings.text.wholeMatch(of: Regex(#"dns=\d+\.\d\d tcp=\d+\.\d\d proxy=\d+\.\d\d tls=\d+\.\d\d"#)),
                        timings.text)
    }

    /// The metrics want the times at every log level, not only at debug.
    func testStagesAreTimedAtAnyLogLevel() throws {
        let saved = Log.level
        defer { Log.level = saved }
        Log.level = .info
        var timings = SetupTimings()
        usleep(2_000)
        timings.end(.dns)
        timings.end(.tcp)
        let dns = try XCTUnwrap(timings.nanoseconds(.dns))
        XCTAssertGreaterThanOrEqual(dns, 2_000_000)
        XCTAssertLessThan(try XCTUnwrap(timings.nanoseconds(.tcp)), dns, "each stage counts from the last one's end")
        XCTAssertNil(timings.nanoseconds(.proxy), "a direct dial has no proxy stage")
        XCTAssertNil(timings.nanoseconds(.tls))
    }
}

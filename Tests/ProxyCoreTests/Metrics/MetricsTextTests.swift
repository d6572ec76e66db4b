import XCTest
@testable import ProxyCore

/// The exposition text, byte for byte, for a layout small enough to write out.
final class MetricsTextTests: XCTestCase {
    func testSmallLayoutRendersExactly() {
        let layout = MetricsLayout([
            MetricDescription(name: "t_requests_total", help: "Requests.", kind: .counter,
                              labels: [("route", ["a", "b"]), ("class", ["2xx", "5xx"])]),
            MetricDescription(name: "t_in_flight", help: "Streams.", kind: .gauge, labels: []),
            MetricDescription(name: "t_none", help: "No series.", kind: .counter, labels: [("proxy", [])]),
            MetricDescription(name: "t_seconds", help: "Durations.", kind: .histogram, labels: []),
        ])
        let histogram = layout.offsets[3]
        var cells = [UInt64](repeating: 0, count: layout.cellCount)
        cells[0...3] = [1, 2, 3, 4]
        cells[4] = 0 &- 2  // a gauge whose workers took away more than a scrape saw added: -2
        cells[histogram + 0] = 1  // le=0.001
        cells[histogram + 9] = 2  // le=1
        cells[histogram + DurationBuckets.count] = 1  // above 300 s
        cells[histogram + DurationBuckets.count + 1] = 302_001_500_000  // the sum, in nanoseconds

        let expected = """
            # HELP proxyd_build_info The version of proxyd serving; always 1.
            # TYPE proxyd_build_info gauge
            proxyd_build_info{version="9.9.9"} 1
            # HELP t_requests_total Requests.
            # TYPE t_requests_total counter
            t_requests_total{route="a",class="2xx"} 1
            t_requests_total{route="a",class="5xx"} 2
            t_requests_total{route="b",class="2xx"} 3
            t_requests_total{route="b",class="5xx"} 4
            # HELP t_in_flight Streams.
            # TYPE t_in_flight gauge
            t_in_flight -2
            # HELP t_seconds Durations.
            # TYPE t_seconds histogram
            t_seconds_bucket{le="0.001"} 1
            t_seconds_bucket{le="0.0025"} 1
            t_seconds_bucket{le="0.005"} 1
            t_seconds_bucket{le="0.01"} 1
            t_seconds_bucket{le="0.025"} 1
            t_seconds_bucket{le="0.05"} 1
            t_seconds_bucket{le="0.1"} 1
            t_seconds_bucket{le="0.25"} 1
            t_seconds_bucket{le="0.5"} 1
            t_seconds_bucket{le="1"} 3
            t_seconds_bucket{le="2.5"} 3
            t_seconds_bucket{le="5"} 3
            t_seconds_bucket{le="10"} 3
            t_seconds_bucket{le="30"} 3
            t_seconds_bucket{le="60"} 3
            t_seconds_bucket{le="120"} 3
            t_seconds_bucket{le="300"} 3
            t_seconds_bucket{le="+Inf"} 4
            t_seconds_sum 302.0015
            t_seconds_count 4

            """
        XCTAssertEqual(MetricsText.render(layout, cells: cells, version: "9.9.9"), expected)
    }

    func testSecondsAreExactDecimals() {
        XCTAssertEqual(MetricsText.seconds(0), "0")
        XCTAssertEqual(MetricsText.seconds(1), "0.000000001")
        XCTAssertEqual(MetricsText.seconds(1_500_000), "0.0015")
        XCTAssertEqual(MetricsText.seconds(2_000_000_000), "2")
        XCTAssertEqual(MetricsText.seconds(12_345_678_901), "12.345678901")
    }

    /// Every family of proxyd's own layout has its HELP and TYPE, and the proxy label has a series per proxy.
    func testProxydLayoutNamesEveryFamily() {
        let text = MetricsText.render(MetricsLayout(proxies: 2), cells: [UInt64](repeating: 0,
                                      count: MetricsLayout(proxies: 2).cellCount), version: BuildInfo.version)
        for family in MetricFamily.allCases {
            let name = family.description(proxies: 2).name
            XCTAssertTrue(text.contains("# TYPE \(name) "), name)
        }
        XCTAssertTrue(text.contains("proxyd_upstream_proxy_down{proxy=\"1\"} 0\n"))
        XCTAssertFalse(text.contains("proxy=\"2\""))
        XCTAssertTrue(text.contains("proxyd_requests_total{route=\"imitate\",status_class=\"4xx\"} 0\n"))
        let direct = MetricsText.render(MetricsLayout(proxies: 0), cells: [UInt64](repeating: 0,
                                        count: MetricsLayout(proxies: 0).cellCount), version: BuildInfo.version)
        XCTAssertFalse(direct.contains("proxyd_upstream_proxy_down"), "no proxies: no family without series")
    }
}

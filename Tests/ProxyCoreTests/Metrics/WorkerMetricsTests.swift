import XCTest
@testable import ProxyCore

/// The cells behind the scrape: where an observation lands, and what adding two workers' rows gives.
final class WorkerMetricsTests: XCTestCase {
    private let layout = MetricsLayout(proxies: 2)

    /// `le` is inclusive: a value exactly on a bound is in that bucket, one nanosecond more in the next.
    func testBucketEdges() {
        XCTAssertEqual(DurationBuckets.index(0), 0)
        XCTAssertEqual(DurationBuckets.index(1_000_000), 0, "1 ms is le=0.001")
        XCTAssertEqual(DurationBuckets.index(1_000_001), 1)
        XCTAssertEqual(DurationBuckets.index(2_500_000), 1)
        XCTAssertEqual(DurationBuckets.index(1_000_000_000), 9, "1 s is le=1")
        XCTAssertEqual(DurationBuckets.index(300_000_000_000), DurationBuckets.count - 1, "the last finite bound")
        XCTAssertEqual(DurationBuckets.index(300_000_000_001), DurationBuckets.count, "+Inf")
        XCTAssertEqual(DurationBuckets.index(.max), DurationBuckets.count)
    }

    func testBoundsRise() {
        let bounds = DurationBuckets.bounds
        for (lower, upper) in zip(bounds, bounds.dropFirst()) { XCTAssertLessThan(lower, upper) }
        XCTAssertEqual(DurationBuckets.labels.first, "0.001")
        XCTAssertEqual(DurationBuckets.labels.last, "300")
    }

    func testAnObservationFillsOneBucketAndTheSum() {
        let metrics = WorkerMetrics(layout: layout)
        let series = RouteGroup.platform.rawValue
        metrics.observe(.requestSeconds, series: series, nanoseconds: 1_000_000)
        metrics.observe(.requestSeconds, series: series, nanoseconds: 7_000_000)
        let first = layout.cell(.requestSeconds, series: series)
        var cells = [UInt64](repeating: 0, count: layout.cellCount)
        metrics.addCells(to: &cells)
        XCTAssertEqual(Array(cells[first..<first + 4]), [1, 0, 0, 1], "le=0.001 and le=0.01 (not cumulative here)")
        XCTAssertEqual(cells[first + DurationBuckets.count + 1], 8_000_000, "the sum, in nanoseconds")
        XCTAssertEqual(cells.reduce(0, +), 2 + 8_000_000, "no other cell moved")
    }

    func testTwoWorkersAddUp() {
        let one = WorkerMetrics(layout: layout), two = WorkerMetrics(layout: layout)
        one.count(.requests, series: 3)
        two.count(.requests, series: 3)
        two.count(.requests, series: 3)
        one.count(.clientSentBytes, 1_000)
        two.count(.clientSentBytes, 24)
        // A gauge one worker raised and the other lowered (its own stream, begun before a scrape read it).
        one.count(.streamsInFlight)
        one.count(.streamsInFlight)
        two.gaugeDown(.streamsInFlight)
        one.setGauge(.proxyDown, series: 1, 1)
        two.setGauge(.proxyDown, series: 1, 1)
        two.setGauge(.proxyDown, series: 1, 0)

        var cells = [UInt64](repeating: 0, count: layout.cellCount)
        one.addCells(to: &cells)
        two.addCells(to: &cells)
        XCTAssertEqual(cells[layout.cell(.requests, series: 3)], 3)
        XCTAssertEqual(cells[layout.cell(.clientSentBytes, series: 0)], 1_024)
        XCTAssertEqual(Int64(bitPattern: cells[layout.cell(.streamsInFlight, series: 0)]), 1)
        XCTAssertEqual(cells[layout.cell(.proxyDown, series: 1)], 1, "one worker holds proxy 1 down")
        XCTAssertEqual(cells[layout.cell(.proxyDown, series: 0)], 0)
    }

    func testReadinessIsPerWorker() {
        let metrics = WorkerMetrics(layout: layout)
        XCTAssertFalse(metrics.isReady, "not ready before its listener is registered")
        metrics.setReady(true)
        XCTAssertTrue(metrics.isReady)
    }

    /// A request's row: route group first, then status class.
    func testRequestMeterCountsOnceWithItsGroupAndClass() {
        let metrics = WorkerMetrics(layout: layout)
        var meter = RequestMeter()
        meter.headBegan(now: 1_000)
        meter.headBegan(now: 9_000)  // more bytes of the same head: the start stays
        meter.routed(.imitate)
        meter.responseStarted(now: 2_001_000, metrics)
        meter.ended(status: 201, now: 5_001_000, metrics)
        meter.ended(status: 500, now: 6_000_000, metrics)  // a second end of the same request counts nothing

        let row = RouteGroup.imitate.rawValue * StatusClass.count
        XCTAssertEqual(metrics.cellValue(.requests, series: row + StatusClass.success.rawValue), 1)
        XCTAssertEqual(metrics.cellValue(.requests, series: row + StatusClass.serverError.rawValue), 0)
        let duration = layout.cell(.requestSeconds, series: RouteGroup.imitate.rawValue)
        let firstByte = layout.cell(.firstByteSeconds, series: RouteGroup.imitate.rawValue)
        var cells = [UInt64](repeating: 0, count: layout.cellCount)
        metrics.addCells(to: &cells)
        XCTAssertEqual(cells[duration + DurationBuckets.count + 1], 5_000_000)
        XCTAssertEqual(cells[firstByte + DurationBuckets.count + 1], 2_000_000)
    }

    /// A client that leaves before any head went out: class `none`, and no time to first byte.
    func testACutRequestWithoutAHeadHasNoStatusClass() {
        let metrics = WorkerMetrics(layout: layout)
        var meter = RequestMeter()
        meter.headBegan(now: 0)
        meter.routed(.chatgpt)
        meter.ended(status: 0, now: 1_000_000, metrics)
        XCTAssertEqual(metrics.cellValue(.requests, series: RouteGroup.chatgpt.rawValue * StatusClass.count + StatusClass.none.rawValue), 1)
        let firstByte = layout.cell(.firstByteSeconds, series: RouteGroup.chatgpt.rawValue)
        var cells = [UInt64](repeating: 0, count: layout.cellCount)
        metrics.addCells(to: &cells)
        XCTAssertEqual(cells[firstByte..<firstByte + DurationBuckets.count + 2].reduce(0, +), 0)
    }
}

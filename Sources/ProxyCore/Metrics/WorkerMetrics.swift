import Synchronization

/// One worker's metrics: a row of cells laid out by `MetricsLayout`, written only by the worker's thread and read
/// by the admin thread at scrape time, which adds the workers' rows. Every cell is an atomic, so those reads are
/// never torn, but it has one writer: a relaxed load and a relaxed store, no read-modify-write and no lock, cost
/// what a plain add does on the data path. Allocated once; recording allocates nothing.
package final class WorkerMetrics: @unchecked Sendable {
    // @unchecked: the cells are a raw allocation, written by one thread only (above) and freed in deinit, when
    // neither thread can reach them any more.
    let layout: MetricsLayout
    private let cells: UnsafeMutablePointer<Atomic<UInt64>>
    /// Listening and not draining: what /readyz asks of every worker.
    private let ready = Atomic<Bool>(false)

    init(layout: MetricsLayout) {
        self.layout = layout
        cells = .allocate(capacity: layout.cellCount)
        for index in 0..<layout.cellCount { (cells + index).initialize(to: Atomic(0)) }
    }

    deinit {
        cells.deinitialize(count: layout.cellCount)
        cells.deallocate()
    }

    // MARK: the worker's side

    @inline(__always)
    private func add(_ cell: Int, _ amount: UInt64) {
        let target = cells + cell
        target.pointee.store(target.pointee.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
    }

    /// Adds to a counter, or moves a gauge up (`amount` may wrap: a gauge's cell reads as a signed number).
    @inline(__always)
    func count(_ family: MetricFamily, series: Int = 0, _ amount: UInt64 = 1) {
        add(layout.cell(family, series: series), amount)
    }

    func gaugeDown(_ family: MetricFamily, series: Int = 0) {
        add(layout.cell(family, series: series), 0 &- 1)
    }

    func setGauge(_ family: MetricFamily, series: Int, _ value: UInt64) {
        cells[layout.cell(family, series: series)].store(value, ordering: .relaxed)
    }

    func observe(_ family: MetricFamily, series: Int = 0, nanoseconds: UInt64) {
        let first = layout.cell(family, series: series)
        add(first + DurationBuckets.index(nanoseconds), 1)
        add(first + DurationBuckets.count + 1, nanoseconds)
    }

    func setReady(_ value: Bool) {
        ready.store(value, ordering: .relaxed)
    }

    // MARK: the scrape's side

    var isReady: Bool { ready.load(ordering: .relaxed) }

    /// Adds this worker's cells to `totals` (one per cell of the layout).
    func addCells(to totals: inout [UInt64]) {
        for index in 0..<layout.cellCount { totals[index] &+= cells[index].load(ordering: .relaxed) }
    }
}

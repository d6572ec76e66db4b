@testable import ProxyCore

extension WorkerMetrics {
    /// One cell as a scrape of this worker alone reads it.
    func cellValue(_ family: MetricFamily, series: Int = 0) -> UInt64 {
        var cells = [UInt64](repeating: 0, count: layout.cellCount)
        addCells(to: &cells)
        return cells[layout.cell(family, series: series)]
    }
}

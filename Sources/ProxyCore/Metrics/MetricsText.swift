/// The Prometheus text exposition format, version 0.0.4: what `GET /metrics` answers. Runs on the admin thread
/// once per scrape, so it may allocate.
enum MetricsText {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Every family of `layout` with `cells` (the workers' cells added up), after `proxyd_build_info`.
    static func render(_ layout: MetricsLayout, cells: [UInt64], version: String) -> String {
        var out = ""
        out.reserveCapacity(layout.cellCount * 64)
        family(&out, "proxyd_build_info", .gauge, "The version of proxyd serving; always 1.")
        out += "proxyd_build_info{version=\"\(version)\"} 1\n"
        for (index, description) in layout.descriptions.enumerated() where description.seriesCount > 0 {
            family(&out, description.name, description.kind, description.help)
            var cell = layout.offsets[index]
            for series in 0..<description.seriesCount {
                let labels = labelPairs(description, series: series)
                switch description.kind {
                case .counter:
                    sample(&out, description.name, labels, String(cells[cell]))
                case .gauge:
                    // A worker's gauge cell holds what it added and took away, wrapping: read as signed.
                    sample(&out, description.name, labels, String(Int64(bitPattern: cells[cell])))
                case .histogram:
                    histogram(&out, description.name, labels, cells[cell..<cell + description.kind.cellsPerSeries])
                }
                cell += description.kind.cellsPerSeries
            }
        }
        return out
    }

    private static func family(_ out: inout String, _ name: String, _ kind: MetricKind, _ help: String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.typeName)\n"
    }

    /// `name="value"` for each label of `series`, the last label varying fastest.
    private static func labelPairs(_ description: MetricDescription, series: Int) -> [String] {
        var rest = series
        var pairs: [String] = []
        for label in description.labels.reversed() {
            pairs.append("\(label.name)=\"\(label.values[rest % label.values.count])\"")
            rest /= label.values.count
        }
        return pairs.reversed()
    }

    private static func sample(_ out: inout String, _ name: String, _ labels: [String], _ value: String) {
        out += name
        if !labels.isEmpty { out += "{" + labels.joined(separator: ",") + "}" }
        out += " " + value + "\n"
    }

    /// Cumulative `_bucket`s up to +Inf, then `_sum` in seconds and `_count`; `cells` are the buckets as counted
    /// (each observation in one) and the sum in nanoseconds.
    private static func histogram(_ out: inout String, _ name: String, _ labels: [String], _ cells: ArraySlice<UInt64>) {
        var cumulative: UInt64 = 0
        var index = cells.startIndex
        for label in DurationBuckets.labels {
            cumulative &+= cells[index]
            index += 1
            sample(&out, name + "_bucket", labels + ["le=\"\(label)\""], String(cumulative))
        }
        cumulative &+= cells[index]
        sample(&out, name + "_bucket", labels + ["le=\"+Inf\""], String(cumulative))
        sample(&out, name + "_sum", labels, seconds(cells[index + 1]))
        sample(&out, name + "_count", labels, String(cumulative))
    }

    /// Nanoseconds as decimal seconds, exactly and without an exponent: 1_500_000 → "0.0015", 2e9 → "2".
    static func seconds(_ nanoseconds: UInt64) -> String {
        let whole = String(nanoseconds / 1_000_000_000)
        var fraction = nanoseconds % 1_000_000_000
        guard fraction > 0 else { return whole }
        var digits = 9
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let text = String(fraction)
        return whole + "." + String(repeating: "0", count: digits - text.count) + text
    }
}

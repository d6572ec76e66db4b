/// What a family's cells mean.
enum MetricKind {
    /// Only grows.
    case counter
    /// Goes up and down; one writer per worker keeps its part, the scrape adds the parts.
    case gauge
    /// `DurationBuckets`: one cell per bucket (not cumulative: an observation adds to one cell) and one for the sum.
    case histogram

    var cellsPerSeries: Int { self == .histogram ? DurationBuckets.count + 2 : 1 }

    var typeName: String {
        switch self {
        case .counter: return "counter"
        case .gauge: return "gauge"
        case .histogram: return "histogram"
        }
    }
}

/// One family as the scrape shows it: name, help, type and the label values of its series. The series are every
/// combination of the labels' values, the last label varying fastest.
struct MetricDescription: Sendable {
    var name: String
    var help: String
    var kind: MetricKind
    var labels: [(name: String, values: [String])]

    var seriesCount: Int { labels.reduce(1) { $0 * $1.values.count } }
}

/// Where each family's cells start in a worker's row of cells: the same for every worker, so the scrape adds the
/// rows cell by cell.
struct MetricsLayout: Sendable {
    let descriptions: [MetricDescription]
    let offsets: [Int]
    let cellCount: Int

    init(_ descriptions: [MetricDescription]) {
        self.descriptions = descriptions
        var offsets: [Int] = []
        var next = 0
        for description in descriptions {
            offsets.append(next)
            next += description.seriesCount * description.kind.cellsPerSeries
        }
        self.offsets = offsets
        cellCount = next
    }

    /// proxyd's families, with one series per configured upstream proxy where a proxy is the label.
    init(proxies: Int) {
        self.init(MetricFamily.allCases.map { $0.description(proxies: proxies) })
    }

    /// The first cell of `family`'s `series`.
    func cell(_ family: MetricFamily, series: Int) -> Int {
        offsets[family.rawValue] + series * descriptions[family.rawValue].kind.cellsPerSeries
    }
}

/// The upper bounds of every duration histogram: from a millisecond (a local answer, a cached DNS name) to five
/// minutes (a long streamed answer; PROXYD_UPSTREAM_TIMEOUT is two by default), then +Inf.
enum DurationBuckets {
    static let bounds: [(nanoseconds: UInt64, label: String)] = [
        (1_000_000, "0.001"), (2_500_000, "0.0025"), (5_000_000, "0.005"), (10_000_000, "0.01"),
        (25_000_000, "0.025"), (50_000_000, "0.05"), (100_000_000, "0.1"), (250_000_000, "0.25"),
        (500_000_000, "0.5"), (1_000_000_000, "1"), (2_500_000_000, "2.5"), (5_000_000_000, "5"),
        (10_000_000_000, "10"), (30_000_000_000, "30"), (60_000_000_000, "60"), (120_000_000_000, "120"),
        (300_000_000_000, "300"),
    ]

    static var count: Int { bounds.count }

    /// The bucket `nanoseconds` falls in: the first bound it does not exceed (`le`), or `count` for +Inf.
    static func index(_ nanoseconds: UInt64) -> Int {
        for (index, bound) in bounds.enumerated() where nanoseconds <= bound.nanoseconds { return index }
        return count
    }
}

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
    /// Cells per series, by family: what `cell` needs, without touching a description's strings.
    private let strides: [Int]
    let cellCount: Int

    init(_ descriptions: [MetricDescription]) {
        self.descriptions = descriptions
        strides = descriptions.map(\.kind.cellsPerSeries)
        var offsets: [Int] = []
        var next = 0
        for (description, stride) in zip(descriptions, strides) {
            offsets.append(next)
            next += description.seriesCount * stride
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
        offsets[family.rawValue] + series * strides[family.rawValue]
    }
}

/// The upper bounds of every duration histogram: from a millisecond (a local answer, a cached DNS name) to five
/// minutes (a long streamed answer; PROXYD_UPSTREAM_TIMEOUT is two by default), then +Inf.
enum DurationBuckets {
    /// In nanoseconds, what observations are compared with.
    static let bounds: [UInt64] = [
        1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000, 100_000_000, 250_000_000, 500_000_000,
        1_000_000_000, 2_500_000_000, 5_000_000_000, 10_000_000_000, 30_000_000_000, 60_000_000_000,
        120_000_000_000, 300_000_000_000,
    ]
    /// The same bounds in seconds, as the `le` label writes them: "0.001" … "300".
    static let labels = bounds.map(MetricsText.seconds)

    static let count = bounds.count

    /// The bucket `nanoseconds` falls in: the first bound it does not exceed (`le`), or `count` for +Inf.
    static func index(_ nanoseconds: UInt64) -> Int {
        bounds.firstIndex { nanoseconds <= $0 } ?? count
    }
}

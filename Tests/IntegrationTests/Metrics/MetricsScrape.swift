import Foundation
import XCTest

/// One `GET /metrics` from proxyd's admin listener, read by the Prometheus client's own text parser
/// (`scripts/parse_scrape.py` in the venv `scripts/install-deps --test` makes), so the format is held to the
/// reference implementation rather than to a parser of the test's own.
struct MetricsScrape {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    /// Family name (as the parser names it: counters without `_total`) → type.
    let types: [String: String]
    let samples: [Sample]

    static let script = PythonSDK.repository.appendingPathComponent("Tests/IntegrationTests/Metrics/scripts/parse_scrape.py")

    static func fetch(adminPort: Int, file: StaticString = #filePath, line: UInt = #line) throws -> MetricsScrape {
        let connection = try RawHTTPConnection(port: adminPort, timeout: 10)
        try connection.send(RequestBuilder.build("GET", "/metrics", headers: []))
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200, file: file, line: line)
        XCTAssertEqual(response.header("content-type"), "text/plain; version=0.0.4; charset=utf-8", file: file, line: line)
        return try parse(response.bodyText)
    }

    static func parse(_ text: String) throws -> MetricsScrape {
        guard FileManager.default.isExecutableFile(atPath: PythonSDK.interpreter) else {
            throw TestSetupError("no venv at \(PythonSDK.interpreter): run scripts/install-deps --test")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PythonSDK.interpreter)
        process.arguments = [script.path]
        process.environment = ["PYTHONDONTWRITEBYTECODE": "1"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // The script reads all of its input before it writes: this order cannot stall on a full pipe.
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let json = try JSONSerialization.jsonObject(with: printed) as? [String: Any],
              let families = json["families"] as? [[String: Any]] else {
            throw TestSetupError("the Prometheus parser refused the scrape (exit \(process.terminationStatus)): "
                                 + "\(complaint.suffix(2000))\nscrape:\n\(text.prefix(3000))")
        }
        var types: [String: String] = [:]
        var samples: [Sample] = []
        for family in families {
            types[family["name"] as? String ?? ""] = family["type"] as? String
            for sample in family["samples"] as? [[String: Any]] ?? [] {
                samples.append(Sample(name: sample["name"] as? String ?? "", labels: sample["labels"] as? [String: String] ?? [:],
                                      value: (sample["value"] as? NSNumber)?.doubleValue ?? .nan))
            }
        }
        return MetricsScrape(types: types, samples: samples)
    }

    /// The sample of `name` whose labels are exactly `labels`; nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The samples of `name` whose labels include `labels`, added up.
    func sum(_ name: String, matching labels: [String: String] = [:]) -> Double {
        samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }.reduce(0) { $0 + $1.value }
    }

    /// What `later` counted since this scrape, for `name` with labels including `labels`.
    func delta(to later: MetricsScrape, _ name: String, _ labels: [String: String] = [:]) -> Double {
        later.sum(name, matching: labels) - sum(name, matching: labels)
    }
}

/// A record's fields as text, from a keys-file line or from `proxyd keys add`'s options. Both are checked by
/// `record()` alone, so the command cannot write a line that the server would refuse at startup.
package struct KeyRecordFields {
    package var id: String?
    package var name: String?
    package var sha256: String?
    package var created: String?
    package var rpm: String?
    package var burst: String?
    package var concurrency: String?
    package var daily: String?
    package var routes: [String]?
    package var cidrs: [String]?
    package var expires: String?
    package var disabled = false

    package init() {}

    static let maxNameBytes = 64
    static let maxIDBytes = 32

    package func record() throws(KeysFileProblem) -> KeyRecord {
        let id = try required(id, "id")
        guard !id.isEmpty, id.utf8.count <= Self.maxIDBytes,
              id.utf8.allSatisfy({ Base62.value($0) != nil || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else { throw KeysFileProblem("id", expected: "1 to \(Self.maxIDBytes) letters, digits, _ or -", got: id) }
        let name = try required(self.name, "name")
        try Self.checkName(name)
        let sha256 = try required(sha256, "sha256")
        guard let digest = KeyDigest(hex: sha256[...]) else {
            throw KeysFileProblem("sha256: expected 64 hex digits")
        }
        let rate = try number(rpm, "rpm", KeyLimits.perMinuteRange)
        let burst = try number(burst, "burst", KeyLimits.burstRange)
        guard rate != nil || burst == nil else { throw KeysFileProblem("burst needs rpm: it is the rate's burst") }
        return KeyRecord(
            id: id, name: name, digest: digest,
            limits: KeyRecord.Limits(
                requestsPerMinute: rate, burst: burst ?? 0,
                concurrentStreams: try number(concurrency, "concurrency", KeyLimits.streamsRange),
                requestsPerDay: try number(daily, "daily", KeyLimits.perDayRange)),
            routes: try routes.map(Self.routeGroups) ?? .all,
            cidrs: try cidrs.map { texts throws(KeysFileProblem) in
                guard !texts.isEmpty else { throw KeysFileProblem("cidrs: empty; leave it out to allow any address") }
                var blocks: [CIDRBlock] = []
                for text in texts { blocks.append(try CIDRBlock(text[...])) }
                return blocks
            },
            expires: try expires.map { text throws(KeysFileProblem) in try Self.timestamp(text, "expires") },
            disabled: disabled,
            created: try Self.timestamp(try required(created, "created"), "created"))
    }

    /// Names appear in logs, metric labels and `proxyd keys list`; control characters would let one forge lines.
    package static func checkName(_ name: String) throws(KeysFileProblem) {
        guard !name.isEmpty else { throw KeysFileProblem("name: empty") }
        guard name.utf8.count <= maxNameBytes else {
            throw KeysFileProblem("name: longer than \(maxNameBytes) bytes: \(jsonQuoted(name))")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw KeysFileProblem("name: has control characters: \(jsonQuoted(name))")
        }
    }

    private func required(_ value: String?, _ field: String) throws(KeysFileProblem) -> String {
        guard let value else { throw KeysFileProblem("\(field): missing") }
        return value
    }

    /// Decimal digits only, as JSON writes a whole number and as a command line gives one.
    private func number(_ text: String?, _ field: String, _ bounds: ClosedRange<Int>) throws(KeysFileProblem) -> Int? {
        guard let text else { return nil }
        guard text.utf8.count <= 10, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int(text),
              bounds.contains(value) else {
            throw KeysFileProblem(field, expected: "a whole number from \(bounds.lowerBound) to \(bounds.upperBound)",
                                  got: text)
        }
        return value
    }

    private static func routeGroups(_ names: [String]) throws(KeysFileProblem) -> KeyRecord.Routes {
        guard !names.isEmpty else { throw KeysFileProblem("routes: empty; leave it out to allow every route group") }
        var routes: KeyRecord.Routes = []
        for name in names {
            guard let named = KeyRecord.Routes.named.first(where: { $0.name == name }) else {
                let known = KeyRecord.Routes.named.map(\.name).joined(separator: ", ")
                throw KeysFileProblem("routes", expected: "names from \(known)", got: name)
            }
            routes.insert(named.routes)
        }
        return routes
    }

    private static func timestamp(_ text: String, _ field: String) throws(KeysFileProblem) -> Int64 {
        guard let seconds = UTCTimestamp.parse(text) else {
            throw KeysFileProblem(field, expected: "a UTC time such as 2027-01-31T00:00:00Z", got: text)
        }
        return seconds
    }
}

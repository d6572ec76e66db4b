/// The keys as the server uses them: built once from the keys file at startup and shared read-only by every
/// worker. A presented key's digest (`AccessKey.digest`) finds its record's slot without allocating; the slot
/// also indexes whatever per-key state is kept beside the table (limits, counters).
package final class KeyTable: Sendable {
    package let records: [KeyRecord]
    /// Each record's limiter, by slot: shared by the workers, whose decisions meet in its atomics.
    package let limiters: [KeyLimiter]
    private let slots: [KeyDigest: Int]

    /// `KeysFile` has refused repeated keys, so each digest has one slot.
    package init(_ file: KeysFile) {
        records = file.records
        limiters = records.map { KeyLimiter($0.limits) }
        slots = Dictionary(uniqueKeysWithValues: records.enumerated().map { ($0.element.digest, $0.offset) })
    }

    package static func load(path: String) throws(KeysFileError) -> KeyTable {
        KeyTable(try KeysFile.read(path))
    }

    package func slot(of digest: KeyDigest) -> Int? {
        slots[digest]
    }
}

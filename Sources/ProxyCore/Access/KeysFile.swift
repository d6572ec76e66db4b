/// A keys file as read: JSON Lines, one record a line (`KeyRecordJSON`), blank lines and `#` comments allowed.
/// It keeps the bytes and where each record's line lies, so that `proxyd keys revoke` rewrites one line and
/// leaves every other byte (comments, spacing, line ends) as it was.
package struct KeysFile {
    package struct Entry {
        package let record: KeyRecord
        /// From 1, for messages.
        package let line: Int
        /// The line in `bytes`, without its line end.
        let range: Range<Int>
    }

    package let path: String
    package let bytes: [UInt8]
    package let entries: [Entry]

    /// A missing file is an error here: a keys file that was configured and is gone must not open the service.
    package static func read(_ path: String) throws(KeysFileError) -> KeysFile {
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(path)
        } catch {
            throw KeysFileError(path: path, line: nil, problem: "cannot be read: \(error.reason)")
        }
        return try KeysFile(path: path, bytes: bytes)
    }

    /// Ids, names and keys must each be unique: a request must find one record, and logs and `revoke` name
    /// a key by its id or name.
    package init(path: String, bytes: [UInt8]) throws(KeysFileError) {
        var entries: [Entry] = []
        var ids: [String: Int] = [:]
        var names: [String: Int] = [:]
        var digests: [KeyDigest: Int] = [:]
        var start = 0
        var number = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            number += 1
            let lineEnd = end > start && bytes[end - 1] == UInt8(ascii: "\r") ? end - 1 : end
            let content = bytes[start..<lineEnd].drop { $0 == 0x20 || $0 == 0x09 }
            if let first = content.first, first != UInt8(ascii: "#") {
                let line = number
                let record: KeyRecord
                do throws(KeysFileProblem) {
                    guard String(validating: content, as: UTF8.self) != nil else { throw KeysFileProblem("not UTF-8 text") }
                    record = try KeyRecord(jsonLine: Array(content))
                    if let other = ids.updateValue(line, forKey: record.id) {
                        throw KeysFileProblem("id \(jsonQuoted(record.id)) is already on line \(other)")
                    }
                    if let other = names.updateValue(line, forKey: record.name) {
                        throw KeysFileProblem("name \(jsonQuoted(record.name)) is already on line \(other)")
                    }
                    if let other = digests.updateValue(line, forKey: record.digest) {
                        throw KeysFileProblem("the same key as line \(other) (sha256 repeated)")
                    }
                } catch {
                    throw KeysFileError(path: path, line: line, problem: error.description)
                }
                entries.append(Entry(record: record, line: line, range: start..<lineEnd))
            }
            start = end + 1
        }
        self.path = path
        self.bytes = bytes
        self.entries = entries
    }

    package var records: [KeyRecord] { entries.map(\.record) }

    /// The record with this id, else the one with this name (`proxyd keys revoke` takes either).
    package func entry(idOrName target: String) -> Entry? {
        entries.first { $0.record.id == target } ?? entries.first { $0.record.name == target }
    }

    /// The whole file with one record's line replaced by `record`.
    package func replacing(_ entry: Entry, with record: KeyRecord) -> [UInt8] {
        Array(bytes[..<entry.range.lowerBound]) + Array(record.jsonLine.utf8) + Array(bytes[entry.range.upperBound...])
    }

    /// The bytes that, written after the file's end, add `record` as its last line.
    package func appendix(_ record: KeyRecord) -> [UInt8] {
        let separator: [UInt8] = bytes.last.map { $0 == UInt8(ascii: "\n") ? [] : [UInt8(ascii: "\n")] } ?? []
        return separator + Array(record.jsonLine.utf8) + [UInt8(ascii: "\n")]
    }
}

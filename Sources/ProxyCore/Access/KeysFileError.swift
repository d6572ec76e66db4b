/// What is wrong with one line of a keys file, or with one `proxyd keys` argument; `KeysFileError` adds where.
package struct KeysFileProblem: Error, CustomStringConvertible {
    package let description: String

    init(_ description: String) {
        self.description = description
    }

    init(_ field: String, expected: String, got value: some StringProtocol) {
        self.init("\(field): expected \(expected), got \(jsonQuoted(String(value)))")
    }
}

/// A keys file that cannot be used; `description` is one line naming the file, the line and the problem.
package struct KeysFileError: Error, Equatable, CustomStringConvertible {
    package let path: String
    /// Nil when the file as a whole is the problem (it cannot be read).
    package let line: Int?
    package let problem: String

    package var description: String {
        line.map { "\(path) line \($0): \(problem)" } ?? "\(path): \(problem)"
    }
}

/// A value quoted for a message as a JSON string, every control character escaped (C1 too, which JSON allows
/// raw): a name with a newline in it must not split a startup error over two lines or forge a log line.
func jsonQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        if scalar == "\"" || scalar == "\\" {
            out += "\\" + String(scalar)
        } else if scalar.properties.generalCategory == .control {
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

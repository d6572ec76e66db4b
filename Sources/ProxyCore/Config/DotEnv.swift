/// A `.env` file's syntax error; `description` names the file and line.
package struct DotEnvError: Error, Equatable, CustomStringConvertible {
    package let path: String
    package let line: Int
    package let problem: String

    package var description: String { "\(path) line \(line): \(problem)" }
}

/// Reads `.env` files: `KEY=VALUE` lines, `#` comments, blank lines, an optional `export ` prefix,
/// values optionally in single quotes (literal) or double quotes (`\"`, `\\`, `\n`, `\t` escapes).
/// Nothing is interpolated: `$HOME` stays `$HOME`. A later line overrides an earlier one, as in a shell.
package enum DotEnv {
    /// A missing file is normal; an unreadable one is an error, since its settings would silently not apply.
    package static func read(_ path: String) throws -> [String: String] {
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(path)
        } catch {
            if error.isMissing { return [:] }
            throw ConfigurationError(setting: path, problem: "cannot be read: \(error.reason)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigurationError(setting: path, problem: "cannot be read as UTF-8 text")
        }
        return try parse(text, path: path)
    }

    package static func parse(_ text: String, path: String = ".env") throws -> [String: String] {
        var result: [String: String] = [:]
        // CRLF is one Character in Swift, and `isNewline` covers it as well as LF.
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let fail = { (problem: String) in DotEnvError(path: path, line: index + 1, problem: problem) }
            var line = rawLine.trimmingBlanks()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).trimmingBlanks() }
            guard let equals = line.firstIndex(of: "=") else { throw fail("expected KEY=VALUE") }
            let key = line[..<equals].trimmingBlanks()
            guard isName(key) else { throw fail("\"\(key)\" is not a valid variable name") }
            result[String(key)] = try value(line[line.index(after: equals)...].trimmingBlanks(), fail: fail)
        }
        return result
    }

    private static func isName(_ key: Substring) -> Bool {
        guard let first = key.utf8.first, !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else { return false }
        return key.utf8.allSatisfy { b in
            b == UInt8(ascii: "_") || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
                || ((b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z"))
        }
    }

    private static func value(_ text: Substring, fail: (String) -> DotEnvError) throws -> String {
        guard let quote = text.first, quote == "\"" || quote == "'" else {
            // Unquoted: a `#` after a blank starts a comment, a `#` inside a value (a URL fragment) does not.
            let comment = text.indices.first { i in
                text[i] == "#" && i > text.startIndex && [" ", "\t"].contains(text[text.index(before: i)])
            }
            return String(text[..<(comment ?? text.endIndex)].trimmingBlanks())
        }
        var out = ""
        var i = text.index(after: text.startIndex)
        while i < text.endIndex, text[i] != quote {
            if quote == "\"", text[i] == "\\", text.index(after: i) < text.endIndex {
                i = text.index(after: i)
                switch text[i] {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "\"", "\\": out.append(text[i])
                default: out.append("\\"); out.append(text[i])
                }
            } else {
                out.append(text[i])
            }
            i = text.index(after: i)
        }
        guard i < text.endIndex else { throw fail("missing closing \(quote)") }
        let rest = text[text.index(after: i)...].trimmingBlanks()
        guard rest.isEmpty || rest.hasPrefix("#") else { throw fail("unexpected text after the closing \(quote)") }
        return out
    }
}

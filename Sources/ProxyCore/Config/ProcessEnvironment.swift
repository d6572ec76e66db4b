import Glibc

/// The process's environment as a dictionary, read from `environ`: the executable does not link Foundation,
/// whose `ProcessInfo` would otherwise give it.
package enum ProcessEnvironment {
    package static func current() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            // A name set twice: the first entry wins, as with getenv.
            if let equals = text.firstIndex(of: "="), result[String(text[..<equals])] == nil {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }
}

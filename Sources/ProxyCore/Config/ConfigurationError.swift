/// A setting that cannot be used; `description` is the one line printed before startup stops.
package struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    /// The environment name the bad value came from (an alias when the alias was used).
    package let setting: String
    package let problem: String

    package init(setting: String, problem: String) {
        self.setting = setting
        self.problem = problem
    }

    /// The usual shape: what was expected and what was given, quoted so blanks and empty values are visible.
    init(_ setting: String, expected: String, got value: String) {
        self.init(setting: setting, problem: "expected \(expected), got \"\(value)\"")
    }

    package var description: String { "\(setting): \(problem)" }
}

/// A setting that cannot be used; `description` is the one line printed before startup stops.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    /// The environment name the bad value came from (an alias when the alias was used).
    public let setting: String
    public let problem: String

    public init(setting: String, problem: String) {
        self.setting = setting
        self.problem = problem
    }

    /// The usual shape: what was expected and what was given, quoted so blanks and empty values are visible.
    init(_ setting: String, expected: String, got value: String) {
        self.init(setting: setting, problem: "expected \(expected), got \"\(value)\"")
    }

    public var description: String { "\(setting): \(problem)" }
}

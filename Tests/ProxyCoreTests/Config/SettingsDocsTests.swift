import ProxyCore
import XCTest

/// The README table and the example env file are written by hand; these keep them in step with the settings table.
final class SettingsDocsTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    func testReadmeTableListsEverySetting() throws {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        for setting in Configuration.settings {
            let row = "| `\(setting.envName)` | `--\(setting.flag)` | "
            XCTAssertTrue(readme.contains(row), row)
            if let value = setting.defaultValue {
                XCTAssertTrue(readme.contains(row + "`\(value)` |"), "\(setting.envName) default \(value)")
            }
        }
    }

    func testExampleEnvFileShowsEverySettingWithItsDefault() throws {
        let example = try String(contentsOf: root.appendingPathComponent("deploy/proxyd.env.example"), encoding: .utf8)
        let lines = Set(example.split(separator: "\n").map(String.init))
        for setting in Configuration.settings {
            let line = "#\(setting.envName)=\(setting.defaultValue ?? "")"
            XCTAssertTrue(lines.contains(line), line)
        }
        // Uncommented, the example must load: it is what install.sh puts in place.
        let uncommented = lines.filter { $0.hasPrefix("#PROXYD_") }.map { $0.dropFirst() }.joined(separator: "\n")
        XCTAssertNoThrow(try Configuration.load(DotEnv.parse(uncommented)))
    }
}

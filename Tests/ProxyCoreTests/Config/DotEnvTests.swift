import ProxyCore
import XCTest

final class DotEnvTests: XCTestCase {
    func testLinesCommentsExportAndQuotes() throws {
        let text = """
            # a comment
              
            PROXYD_WORKERS=4
            export PROXYD_LOG_LEVEL = debug   # trailing comment
            PROXYD_CHATGPT_URL=http://h/#fragment-not-comment
            SINGLE='a "b" $HOME # kept'
            DOUBLE="line\\none \\"q\\" \\\\ \\x" # comment
            EMPTY=
            EMPTY_QUOTED=""
            CRLF=yes\r
            PROXYD_WORKERS=5
            """
        XCTAssertEqual(try DotEnv.parse(text), [
            "PROXYD_WORKERS": "5",
            "PROXYD_LOG_LEVEL": "debug",
            "PROXYD_CHATGPT_URL": "http://h/#fragment-not-comment",
            "SINGLE": #"a "b" $HOME # kept"#,
            "DOUBLE": "line\none \"q\" \\ \\x",
            "EMPTY": "",
            "EMPTY_QUOTED": "",
            "CRLF": "yes",
        ])
    }

    func testNoInterpolation() throws {
        XCTAssertEqual(try DotEnv.parse("A=${B}\nB=1"), ["A": "${B}", "B": "1"])
    }

    func testErrorsNameTheLine() {
        let cases: [(String, Int)] = [
            ("A=1\nnot a setting\n", 2),
            ("A=1\n\n1A=2", 3),
            ("A=\"unterminated", 1),
            ("# c\nA='x' y", 2),
            ("BAD-NAME=1", 1),
            ("=1", 1),
        ]
        for (text, line) in cases {
            XCTAssertThrowsError(try DotEnv.parse(text, path: "/etc/proxyd.env"), text) { error in
                XCTAssertEqual((error as? DotEnvError)?.line, line, text)
                XCTAssertTrue("\(error)".hasPrefix("/etc/proxyd.env line \(line): "), "\(error)")
            }
        }
    }
}

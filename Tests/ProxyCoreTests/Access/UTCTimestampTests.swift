import ProxyCore
import XCTest

final class UTCTimestampTests: XCTestCase {
    func testKnownInstants() {
        let cases: [(String, Int64)] = [
            ("1970-01-01T00:00:00Z", 0),
            ("2000-02-29T12:34:56Z", 951_827_696),
            ("2026-05-01T12:00:00Z", 1_777_636_800),
            ("2027-01-31T00:00:00Z", 1_801_353_600),
            ("9999-12-31T23:59:59Z", 253_402_300_799),
        ]
        for (text, seconds) in cases {
            XCTAssertEqual(UTCTimestamp.parse(text), seconds, text)
            XCTAssertEqual(UTCTimestamp.text(seconds), text)
        }
    }

    func testOtherFormsAndImpossibleDatesAreRefused() {
        for text in ["2001-02-29T00:00:00Z", "2027-04-31T00:00:00Z", "2027-13-01T00:00:00Z", "2027-00-10T00:00:00Z",
                     "2027-01-00T00:00:00Z", "2027-01-31T24:00:00Z", "2027-01-31T23:60:00Z", "2027-01-31T23:59:60Z",
                     "2027-01-31t00:00:00z", "2027-01-31T00:00:00", "2027-01-31T00:00:00+00:00",
                     "2027-01-31T00:00:00.000Z", "2027-01-31", "1969-12-31T23:59:59Z", " 2027-01-31T00:00:00Z",
                     "２027-01-31T00:00:00Z", ""] {
            XCTAssertNil(UTCTimestamp.parse(text), text)
        }
    }

    func testNowIsInThisCentury() {
        XCTAssertGreaterThan(UTCTimestamp.now(), 1_700_000_000)
        XCTAssertLessThan(UTCTimestamp.now(), 4_102_444_800)
    }
}

import ProxyCore
import XCTest

final class OverloadBoundsTests: XCTestCase {
    private func split(_ configuration: Configuration, _ descriptorLimit: Int) -> [Int] {
        let bounds = OverloadBounds(configuration: configuration, descriptorLimit: descriptorLimit)
        return [bounds.connections, bounds.streams]
    }

    func testAutoSplitsTheDescriptorsLeftOverTheWorkers() throws {
        var configuration = try Configuration.load(["PROXYD_WORKERS": "2"])
        XCTAssertNil(configuration.maxConnections)
        XCTAssertNil(configuration.maxStreams)
        // (65,600 - 64 reserved) / 2 workers = 32,768 descriptors each: half for client connections, half for
        // the upstream connections of streams, so both full at once fit.
        XCTAssertEqual(split(configuration, 65_600), [16_384, 16_384])
        configuration.workers = 1
        XCTAssertEqual(split(configuration, 1_024), [480, 480])
        // A limit below the reserve still admits something rather than nothing.
        XCTAssertEqual(split(configuration, 10), [1, 1])
    }

    func testConfiguredBoundsWin() throws {
        let configuration = try Configuration.load(["PROXYD_MAX_CONNECTIONS": "100", "PROXYD_MAX_STREAMS": "auto"])
        XCTAssertEqual(configuration.maxConnections, 100)
        XCTAssertNil(configuration.maxStreams)
        let bounds = OverloadBounds(configuration: configuration, descriptorLimit: 1_000_064)
        XCTAssertEqual(bounds.connections, 100)
        XCTAssertEqual(bounds.streams, 1_000_000 / configuration.workers / 2)
    }

    func testBadBoundsAreRefused() {
        for value in ["0", "-1", "many"] {
            XCTAssertThrowsError(try Configuration.load(["PROXYD_MAX_STREAMS": value]), value) { error in
                XCTAssertTrue("\(error)".contains("PROXYD_MAX_STREAMS"), "\(error)")
            }
        }
    }
}

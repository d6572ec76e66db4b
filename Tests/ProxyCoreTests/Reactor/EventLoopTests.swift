@testable import ProxyCore
import XCTest

final class TimerHeapTests: XCTestCase {
    func testPopsInTimeOrderAndOnlyWhenDue() {
        var heap = TimerHeap()
        let handler = EventHandler()
        let times: [UInt64] = [50, 10, 40, 30, 20, 60, 5, 45]
        for t in times { heap.push(t, handler) }
        XCTAssertNil(heap.popIfDue(4))
        var popped: [UInt64] = []
        while let entry = heap.popIfDue(100) { popped.append(entry.time) }
        XCTAssertEqual(popped, times.sorted())
        XCTAssertTrue(heap.isEmpty)
    }
}

final class EventLoopTimerTests: XCTestCase {
    final class Probe: EventHandler {
        var fired = 0
        override func handleTimeout() { fired += 1 }
    }

    func testLaterDeadlineDefersAndMaxCancels() throws {
        let loop = try EventLoop()
        let moved = Probe(), cancelled = Probe(), plain = Probe()
        loop.setTimeout(moved, milliseconds: 10)
        loop.setTimeout(moved, milliseconds: 60)   // pushed later: the 10 ms entry must not fire it
        loop.setTimeout(cancelled, milliseconds: 10)
        loop.setDeadline(cancelled, .max)
        loop.setTimeout(plain, milliseconds: 20)
        final class Stop: EventHandler {
            let loop: EventLoop
            init(_ loop: EventLoop) { self.loop = loop }
            override func handleTimeout() { loop.stop() }
        }
        let stop = Stop(loop)
        loop.setTimeout(stop, milliseconds: 40)
        loop.run()
        XCTAssertEqual(plain.fired, 1)
        XCTAssertEqual(moved.fired, 0, "a deadline moved later must not fire at the old time")
        XCTAssertEqual(cancelled.fired, 0)
    }
}

final class EventLoopMailboxTests: XCTestCase {
    func testPostFromAnotherThreadWakesTheLoop() throws {
        let loop = try EventLoop()
        nonisolated(unsafe) var ran = false
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) {
            loop.post {
                ran = true
                loop.stop()
            }
        }
        loop.run()  // blocks with no timers: only the post can end it
        XCTAssertTrue(ran)
    }
}

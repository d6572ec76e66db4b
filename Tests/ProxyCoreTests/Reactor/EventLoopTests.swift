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

    /// Issue 10: a closed connection (its deadline cancelled, an earlier head timer superseding its idle one)
    /// must not stay alive in the timer heap until the idle timer would have come due, while a handler with
    /// a deadline among them still fires.
    func testHeapDoesNotKeepCancelledHandlersAlive() throws {
        final class Stopper: EventHandler {
            let loop: EventLoop
            var fired = 0
            init(_ loop: EventLoop) { self.loop = loop }
            override func handleTimeout() {
                fired += 1
                loop.stop()
            }
        }
        final class WeakHandler {
            weak var handler: EventHandler?
            init(_ handler: EventHandler) { self.handler = handler }
        }
        let loop = try EventLoop()
        let live = Stopper(loop), backstop = Stopper(loop)
        loop.setTimeout(live, milliseconds: 30)
        loop.setTimeout(backstop, milliseconds: 5_000)  // ends the run if `live` was lost
        var closed: [WeakHandler] = []
        for _ in 0..<(4 * TimerHeap.smallestCompaction) {
            let connection = Probe()
            loop.setTimeout(connection, milliseconds: 75_000)  // idle
            loop.setTimeout(connection, milliseconds: 10_000)  // head: a second, earlier entry
            loop.setDeadline(connection, .max)                 // closed
            closed.append(WeakHandler(connection))
        }
        let alive = closed.filter { $0.handler != nil }.count
        XCTAssertLessThanOrEqual(alive, TimerHeap.smallestCompaction / 2,
                                 "\(alive) of \(closed.count) closed handlers still held by the timer heap")
        loop.run()
        XCTAssertEqual(live.fired, 1, "a live deadline among the dropped entries must still fire")
        XCTAssertEqual(backstop.fired, 0)
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

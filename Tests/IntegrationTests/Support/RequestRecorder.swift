import Dispatch
import Foundation

/// One request as the upstream fixture received it from proxyd.
struct RecordedRequest {
    let id: Int
    let method: String
    /// Path plus query, exactly as on the request line.
    let uri: String
    /// In arrival order, names as sent.
    let headers: [(name: String, value: String)]
    /// The first `RequestRecorder.bodyCaptureLimit` bytes; `bodyLength`/`bodyHash` cover all of it.
    let body: [UInt8]
    let bodyLength: Int
    let bodyHash: UInt64

    var path: String { String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]) }

    var query: [String: String] {
        guard let mark = uri.firstIndex(of: "?") else { return [:] }
        var result: [String: String] = [:]
        for pair in uri[uri.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }

    func headerValues(_ name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    func header(_ name: String) -> String? { headerValues(name).first }
}

/// Thread-safe log of what one fixture received; tests read it from their own thread.
final class RequestRecorder: @unchecked Sendable {
    static let bodyCaptureLimit = 1 << 20

    private let lock = NSLock()
    private var nextID = 1
    private var headsSeen = 0
    private var completed: [RecordedRequest] = []
    private var eventTimes: [Int: [UInt64]] = [:]

    func allocateID() -> Int {
        lock.lock(); defer { lock.unlock() }
        headsSeen += 1
        defer { nextID += 1 }
        return nextID
    }

    func append(_ request: RecordedRequest) {
        lock.lock(); defer { lock.unlock() }
        completed.append(request)
    }

    /// Monotonic send time of each streamed event, so tests can compare with the client's receive times.
    func noteEventSent(requestID: Int, at time: UInt64) {
        lock.lock(); defer { lock.unlock() }
        eventTimes[requestID, default: []].append(time)
    }

    func eventSendTimes(requestID: Int) -> [UInt64] {
        lock.lock(); defer { lock.unlock() }
        return eventTimes[requestID] ?? []
    }

    /// Request heads seen, complete or not: proves whether anything reached the upstream at all.
    var headCount: Int {
        lock.lock(); defer { lock.unlock() }
        return headsSeen
    }

    var requests: [RecordedRequest] {
        lock.lock(); defer { lock.unlock() }
        return completed
    }

    func request(id: Int) -> RecordedRequest? { requests.first { $0.id == id } }

    /// The fixture records a request when its body ends, which can be just after proxyd relays the answer.
    func waitForRequest(timeout: Double = 5, where matches: (RecordedRequest) -> Bool) -> RecordedRequest? {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        repeat {
            if let found = requests.last(where: matches) { return found }
            usleep(10_000)
        } while DispatchTime.now().uptimeNanoseconds < deadline
        return nil
    }
}

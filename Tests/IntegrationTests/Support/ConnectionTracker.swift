import Dispatch
import Foundation
import NIOCore
import NIOHTTP1

/// The upstream fixture's view of its TCP connections: when each was accepted and closed and which requests
/// it carried, so tests can tell pooled reuse from fresh dials and see proxyd drop a connection.
final class ConnectionLog: @unchecked Sendable {
    struct Entry {
        let id: Int
        let acceptedAt: UInt64
        var closedAt: UInt64?
        /// Request targets in arrival order, the dropped one included.
        var uris: [String] = []
    }

    private let lock = NSLock()
    private var entries: [Int: Entry] = [:]
    private var channels: [Int: Channel] = [:]
    private var nextID = 1
    private var dropNextReusedRequest = false

    fileprivate func opened(_ channel: Channel) -> Int {
        lock.lock(); defer { lock.unlock() }
        let id = nextID
        nextID += 1
        entries[id] = Entry(id: id, acceptedAt: DispatchTime.now().uptimeNanoseconds)
        channels[id] = channel
        return id
    }

    fileprivate func closed(_ id: Int) {
        lock.lock(); defer { lock.unlock() }
        entries[id]?.closedAt = DispatchTime.now().uptimeNanoseconds
        channels[id] = nil
    }

    /// Notes the request and says whether the fixture should drop the connection instead of answering.
    fileprivate func received(_ uri: String, on id: Int) -> Bool {
        lock.lock(); defer { lock.unlock() }
        let reused = entries[id]?.uris.isEmpty == false
        entries[id]?.uris.append(uri)
        guard reused && dropNextReusedRequest else { return false }
        dropNextReusedRequest = false
        return true
    }

    /// The next request that arrives on an already used connection is met by a close, the way a server whose
    /// keep-alive timer fired just as the request was sent behaves.
    func dropNextRequestOnReusedConnection() {
        lock.lock(); defer { lock.unlock() }
        dropNextReusedRequest = true
    }

    var all: [Entry] {
        lock.lock(); defer { lock.unlock() }
        return entries.values.sorted { $0.id < $1.id }
    }

    var acceptedCount: Int { all.count }

    var openCount: Int { all.filter { $0.closedAt == nil }.count }

    /// Closes every open connection from the fixture's side, as an upstream's idle timeout would.
    func closeAll() {
        lock.lock()
        let open = Array(channels.values)
        lock.unlock()
        for channel in open { try? channel.close().wait() }
    }

    /// Seconds from `since` until the last connection that carried a target containing `fragment` closed;
    /// nil if there is none or it stayed open for `timeout`.
    func closeDelay(ofConnectionCarrying fragment: String, since: UInt64, timeout: Double) -> Double? {
        var closedAt: UInt64?
        _ = wait(timeout: timeout) { entries in
            closedAt = entries.last { $0.uris.contains { $0.contains(fragment) } }?.closedAt
            return closedAt != nil
        }
        return closedAt.map { Double($0) / 1e9 - Double(since) / 1e9 }
    }

    /// Polls until `condition` holds for the log; false on timeout.
    func wait(timeout: Double, until condition: ([Entry]) -> Bool) -> Bool {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        repeat {
            if condition(all) { return true }
            usleep(5_000)
        } while DispatchTime.now().uptimeNanoseconds < deadline
        return condition(all)
    }
}

/// Sits between the fixture's HTTP decoder and its `FixtureHandler`, reporting to a `ConnectionLog`.
final class ConnectionTracker: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let log: ConnectionLog
    private var id = 0
    private var dropping = false

    init(log: ConnectionLog) { self.log = log }

    func channelActive(context: ChannelHandlerContext) {
        id = log.opened(context.channel)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        log.closed(id)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data), log.received(head.uri, on: id) {
            dropping = true
            context.close(promise: nil)
        }
        guard !dropping else { return }
        context.fireChannelRead(data)
    }
}

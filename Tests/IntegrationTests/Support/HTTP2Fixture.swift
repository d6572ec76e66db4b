import Dispatch
import Foundation
import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL

/// An HTTPS upstream on 127.0.0.1 that speaks only HTTP/2 (ALPN `h2`), on SwiftNIO + swift-nio-http2 so that it
/// shares no code with proxyd's nghttp2 client. Paths behave as in the HTTP/1.1 fixture (see `HTTP2FixtureHandler`),
/// and the fixture also reports what only HTTP/2 has: connections, streams, resets from the client, GOAWAY.
final class HTTP2Fixture: RecordingUpstream {
    struct Options {
        /// SETTINGS_MAX_CONCURRENT_STREAMS, enforced from the first stream on (as nginx does): streams beyond it are
        /// answered with RST_STREAM(REFUSED_STREAM).
        var maxConcurrentStreams = 100
        /// Sends GOAWAY(NO_ERROR) on the first connection once it has accepted this many streams, with the last of
        /// them as last-stream-id; streams the client opened after that are ignored, as RFC 9113 6.8 says.
        var goAwayAfterStreams: Int?
        /// Leaves PINGs unanswered, as a dead or wedged peer would.
        var ignorePings = false
        /// SETTINGS_MAX_HEADER_LIST_SIZE to advertise instead of swift-nio-http2's default (16 KB).
        var maxHeaderListSize: Int?
    }

    let recorder = RequestRecorder()
    let log = HTTP2FixtureLog()
    let options: Options
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel

    var baseURL: String { "https://localhost:\(port)" }

    init(pki: TestPKI, options: Options = Options()) throws {
        self.options = options
        let context = try TLSTestServer.context(certificatePath: pki.serverCertificatePath, keyPath: pki.serverKeyPath,
                                                alpn: ["h2"], minimum: .tlsv12)
        let recorder = self.recorder
        let log = self.log
        var settings = nioDefaultSettings.filter { $0.parameter != .maxConcurrentStreams }
            + [HTTP2Setting(parameter: .maxConcurrentStreams, value: options.maxConcurrentStreams)]
        if let limit = options.maxHeaderListSize {
            settings = settings.filter { $0.parameter != .maxHeaderListSize } + [HTTP2Setting(parameter: .maxHeaderListSize, value: limit)]
        }

        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        (channel, port) = try TLSTestServer.listen(on: "127.0.0.1", group: group, what: "HTTP/2 fixture") { channel in
            let connection = log.connectionAccepted()
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                if options.ignorePings { try channel.pipeline.syncOperations.addHandler(PingAckDropper()) }
                try channel.pipeline.syncOperations.addHandler(NIOHTTP2Handler(mode: .server, initialSettings: settings))
                try channel.pipeline.syncOperations.addHandler(
                    HTTP2FixtureHandler(connection: connection, options: options, recorder: recorder, log: log))
            }
        }
    }

    /// Also drops connections left open on purpose (`__hang`).
    func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// Swallows the PING acknowledgements NIOHTTP2Handler sends on its own. It encodes every frame but DATA into a
/// buffer of its own write, so an acknowledgement is exactly one 17-byte write with this 9-byte header.
private final class PingAckDropper: ChannelOutboundHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private static let ackHeader: [UInt8] = [0, 0, 8, 6, 1, 0, 0, 0, 0]  // length 8, type PING, flag ACK, stream 0

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .byteBuffer(let buffer) = unwrapOutboundIn(data), buffer.readableBytes == 17,
           buffer.getBytes(at: buffer.readerIndex, length: 9) == Self.ackHeader {
            promise?.succeed(())
            return
        }
        context.write(data, promise: promise)
    }
}

/// What an HTTP/2 fixture saw beyond the requests themselves; thread-safe, tests read it from their own thread.
final class HTTP2FixtureLog: @unchecked Sendable {
    struct Reset {
        let connection: Int
        let stream: Int
        let code: HTTP2ErrorCode
        /// Monotonic (`DispatchTime`) arrival time.
        let time: UInt64
    }

    private let lock = NSLock()
    private var connections = 0
    private var places: [Int: (connection: Int, stream: Int)] = [:]
    private var resets: [Reset] = []
    private var refused = 0
    private var goAways: [(connection: Int, lastStream: Int)] = []
    private var dataSent: [Int: Int] = [:]
    private var timeline: [Observed] = []
    private var settings: [Int: [[(id: Int, value: Int)]]] = [:]
    private var windowUpdates: [Int: [Int]] = [:]
    private var priorities: [Int: HTTP2Frame.StreamPriorityData?] = [:]

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock(); defer { lock.unlock() }
        return body()
    }

    /// TCP connections accepted so far; also the new connection's number.
    func connectionAccepted() -> Int { locked { connections += 1; return connections } }
    var connectionCount: Int { locked { connections } }

    func noteRequest(id: Int, connection: Int, stream: Int) { locked { places[id] = (connection, stream) } }
    /// Which connection and stream carried a recorded request.
    func place(ofRequest id: Int) -> (connection: Int, stream: Int)? { locked { places[id] } }

    func noteReset(_ reset: Reset) { locked { resets.append(reset) } }
    var resetsReceived: [Reset] { locked { resets } }

    func noteRefused() { locked { refused += 1 } }
    /// Streams answered with REFUSED_STREAM because MAX_CONCURRENT_STREAMS was reached.
    var refusedCount: Int { locked { refused } }

    func noteGoAway(connection: Int, lastStream: Int) { locked { goAways.append((connection, lastStream)) } }
    var goAwaysSent: [(connection: Int, lastStream: Int)] { locked { goAways } }

    func noteDataSent(requestID: Int, bytes: Int) { locked { dataSent[requestID, default: 0] += bytes } }
    /// Response body bytes handed to the HTTP/2 layer for a request; flow control holds back what the client
    /// has not acknowledged, so this is at most what proxyd's windows allowed plus a few frames.
    func dataSent(requestID: Int) -> Int { locked { dataSent[requestID] ?? 0 } }

    /// What the client did on a connection, in arrival order, for tests about connection lifecycle.
    enum Event: Equatable {
        case ping
        case headers(stream: Int)
        case goAway(HTTP2ErrorCode)
        case closed
    }

    struct Observed {
        let connection: Int
        let event: Event
        /// Monotonic (`DispatchTime`) arrival time.
        let time: UInt64
    }

    func note(_ event: Event, connection: Int) {
        let observed = Observed(connection: connection, event: event, time: DispatchTime.now().uptimeNanoseconds)
        locked { timeline.append(observed) }
    }

    func events(onConnection connection: Int) -> [Observed] { locked { timeline.filter { $0.connection == connection } } }

    /// The client's SETTINGS frames on a connection, each as (id, value) in wire order.
    func noteSettings(connection: Int, _ entries: [(id: Int, value: Int)]) {
        locked { settings[connection, default: []].append(entries) }
    }
    func settingsReceived(connection: Int) -> [[(id: Int, value: Int)]] { locked { settings[connection] ?? [] } }

    /// WINDOW_UPDATE increments for the whole connection (stream 0), in arrival order.
    func noteConnectionWindowUpdate(connection: Int, increment: Int) {
        locked { windowUpdates[connection, default: []].append(increment) }
    }
    func connectionWindowUpdates(connection: Int) -> [Int] { locked { windowUpdates[connection] ?? [] } }

    /// The priority block of the HEADERS frame that opened a recorded request's stream (nil: none).
    func notePriority(requestID: Int, _ priority: HTTP2Frame.StreamPriorityData?) { locked { priorities[requestID] = priority } }
    func priority(ofRequest id: Int) -> HTTP2Frame.StreamPriorityData?? { locked { priorities[id] } }

    /// Waits until `condition` holds or `timeout` passes; returns whether it held.
    func wait(timeout: Double, until condition: (HTTP2FixtureLog) -> Bool) -> Bool {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        repeat {
            if condition(self) { return true }
            usleep(1_000)
        } while DispatchTime.now().uptimeNanoseconds < deadline
        return condition(self)
    }
}

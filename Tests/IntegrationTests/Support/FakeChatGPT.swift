import Dispatch
import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL

/// A strict fake chatgpt.com (chatgpt-web.md): HTTPS on 127.0.0.1, HTTP/2 or HTTP/1.1 by ALPN, on SwiftNIO so it
/// shares no code with proxyd. It bootstraps browsers (cookies, build id), issues conduit tokens, seeds and
/// difficulties, verifies every requirements token and proof, issues single-use tokens, and answers the
/// conversation in both stream formats; see FakeChatGPTSteps.swift. Everything it saw is recorded.
///
/// Tests change it while it runs, from their own thread: `configure { $0.difficulty = "000010" }`,
/// `rotateBuild()`, and read `records(since:)`, `connections`, `streamWrites(of:)`.
final class FakeChatGPT: @unchecked Sendable {
    let port: Int
    private let lock = NSLock()
    private var state = FakeChatGPTState()
    private var nextConnection = 1
    private let group: MultiThreadedEventLoopGroup
    private var channel: Channel?

    var origin: String { "https://localhost:\(port)" }
    /// proxyd's settings for this fake: the site, and the handshake that is proxyd's default (the other
    /// tests turn it off, their fixtures not being chatgpt.com).
    var settings: [String: String] { ["PROXYD_CHATGPT_URL": origin, "PROXYD_CHATGPT_SENTINEL": "2026"] }

    /// `alpn` ["http/1.1"] makes an HTTP/1.1-only site.
    init(pki: TestPKI, alpn: [String] = ["h2", "http/1.1"]) throws {
        let context = try TLSTestServer.context(certificatePath: pki.serverCertificatePath, keyPath: pki.serverKeyPath,
                                                alpn: alpn, minimum: .tlsv12)
        let box = LateBox<FakeChatGPT>()
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let listening = try TLSTestServer.listen(on: "127.0.0.1", group: group, what: "fake chatgpt") { channel in
            guard let site = box.value else { return channel.eventLoop.makeFailedFuture(TestSetupError("fake not ready")) }
            let connection = site.connectionAccepted(channel)
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
            }.flatMap {
                channel.configureCommonHTTPServerPipeline(h2ConnectionChannelConfigurator: { _ in
                    site.noteProtocol("h2", connection: connection)
                    return channel.eventLoop.makeSucceededVoidFuture()
                }) { requestChannel in
                    requestChannel.eventLoop.makeCompletedFuture {
                        try requestChannel.pipeline.syncOperations.addHandler(FakeChatGPTHandler(site: site, connection: connection))
                    }
                }
            }
        }
        channel = listening.channel
        port = listening.port
        box.value = self
    }

    func shutdown() {
        try? channel?.close().wait()
        channel = nil
        try? group.syncShutdownGracefully()
    }

    private func locked<T>(_ body: (inout FakeChatGPTState) -> T) -> T {
        lock.lock(); defer { lock.unlock() }
        return body(&state)
    }

    // MARK: the test's side

    func configure(_ change: (inout FakeChatGPTKnobs) -> Void) { locked { change(&$0.knobs) } }
    var knobs: FakeChatGPTKnobs { locked { $0.knobs } }
    /// Back to the defaults; what the fake issued and recorded stays.
    func resetKnobs() { locked { $0.knobs = FakeChatGPTKnobs() } }

    /// The build id the page announces and every step must carry.
    var build: String { locked { $0.build } }
    /// A new build: requests with the old one are refused with 403 from now on. Returns it.
    @discardableResult
    func rotateBuild() -> String { locked { $0.build = FakeChatGPTState.newBuild(); return $0.build } }

    /// A position in the records, for `records(since:)`.
    var mark: Int { locked { $0.records.count } }
    func records(since mark: Int = 0) -> [FakeChatGPTRecord] { locked { Array($0.records.dropFirst(mark)) } }
    func records(_ step: FakeChatGPTStep, since mark: Int = 0) -> [FakeChatGPTRecord] {
        records(since: mark).filter { $0.step == step }
    }
    /// What the fake refused since `mark`, with why: empty after turns that should all pass.
    func refusals(since mark: Int = 0) -> [String] {
        records(since: mark).compactMap { record in record.refusal.map { "\(record.request.method) \(record.path): \($0)" } }
    }

    var connections: [FakeChatGPTConnection] { locked { $0.connections.values.sorted { $0.id < $1.id } } }
    func connection(of record: FakeChatGPTRecord) -> FakeChatGPTConnection? { locked { $0.connections[record.connection] } }
    /// Each write of a conversation's stream with its monotonic time (no bytes for a large, lazily made answer).
    func streamWrites(of record: FakeChatGPTRecord) -> [(time: UInt64, bytes: [UInt8])] { locked { $0.streamWrites[record.id] ?? [] } }
    /// The stream's bytes as written so far (empty for a large answer: see `streamByteCount`).
    func streamBody(of record: FakeChatGPTRecord) -> [UInt8] { streamWrites(of: record).flatMap(\.bytes) }
    func streamByteCount(of record: FakeChatGPTRecord) -> Int { locked { $0.streamBytes[record.id] ?? 0 } }
    /// How the stream ended: written to its end, or cancelled by the client; nil while it runs.
    func streamEnd(of record: FakeChatGPTRecord) -> FakeStreamEnd? { locked { $0.streamEnds[record.id] } }

    /// Polls until the stream of `record` has ended; nil on timeout.
    func waitForStreamEnd(of record: FakeChatGPTRecord, timeout: Double) -> FakeStreamEnd? {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        repeat {
            if let end = streamEnd(of: record) { return end }
            usleep(2_000)
        } while DispatchTime.now().uptimeNanoseconds < deadline
        return streamEnd(of: record)
    }

    /// Polls until `condition` holds for the records; false on timeout.
    func wait(timeout: Double, until condition: ([FakeChatGPTRecord]) -> Bool) -> Bool {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        repeat {
            if condition(records()) { return true }
            usleep(2_000)
        } while DispatchTime.now().uptimeNanoseconds < deadline
        return condition(records())
    }

    // MARK: the handler's side

    fileprivate func connectionAccepted(_ channel: Channel) -> Int {
        let clientPort = channel.remoteAddress?.port ?? 0
        let pid = channel.localAddress?.port.flatMap { SocketOwner.pid(clientPort: clientPort, serverPort: $0) }
        return locked { state in
            let id = nextConnection
            nextConnection += 1
            state.connections[id] = FakeChatGPTConnection(id: id, protocolName: "http/1.1", clientPort: clientPort, senderPID: pid)
            return id
        }
    }

    fileprivate func noteProtocol(_ name: String, connection: Int) { locked { $0.connections[connection]?.protocolName = name } }

    /// Records the request and decides the answer; returns the record's id.
    func answer(_ request: FakeAuthRequest, connection: Int) -> (id: Int, answer: FakeChatGPTAnswer) {
        let time = DispatchTime.now().uptimeNanoseconds
        return locked { state in
            let step = FakeChatGPTStep.of(method: request.method, path: request.path)
            var answer = state.answer(request, step: step, origin: origin)
            if step == .conversation, answer.status == 200, let coding = state.knobs.conversationCoding {
                answer.coding = coding
                answer.headers.append(("content-encoding", coding))
            }
            let id = state.records.count + 1
            let account = FakeChatGPTState.account(authorization: request.header("authorization"))
            state.records.append(FakeChatGPTRecord(id: id, request: request, step: step, connection: connection, time: time,
                                                   account: account, status: answer.status, refusal: answer.refusal,
                                                   responseBody: answer.body))
            return (id, answer)
        }
    }

    func noteWrite(_ bytes: [UInt8], of id: Int, keep: Bool = true) {
        let time = DispatchTime.now().uptimeNanoseconds
        locked { state in
            state.streamWrites[id, default: []].append((time, keep ? bytes : []))
            state.streamBytes[id, default: 0] += bytes.count
        }
    }

    func noteStreamEnd(of id: Int, cancelled: Bool) {
        let time = DispatchTime.now().uptimeNanoseconds
        locked { state in
            guard state.streamEnds[id] == nil else { return }
            state.streamEnds[id] = FakeStreamEnd(cancelled: cancelled, time: time, writes: state.streamWrites[id]?.count ?? 0,
                                                 bytes: state.streamBytes[id] ?? 0)
        }
    }
}

import CNghttp2
import XCTest
@testable import ProxyCore

/// An `HTTP2Session` on its worker's `HTTP2Memory`, driven through requests against an nghttp2 server in
/// memory (no sockets): nghttp2 allocates from the pool, a warm session takes no new block per request,
/// and every block is back once the session is gone.
final class HTTP2SessionMemoryTests: XCTestCase {
    func testRequestsRecycleTheWorkersBlocks() throws {
        let configuration = try Configuration.load([:])
        let tls = try TLSContext(caFile: nil, alpnProtocols: ["h2"], profile: .openssl)
        let worker = try Worker(configuration: configuration, tls: tls, resolveOverrides: [:])
        let memory = worker.http2Memory
        let connection = UpstreamConnection(origin: configuration.platform, route: .direct, worker: worker)
        var session: HTTP2Session? = try HTTP2Session(connection: connection, profile: worker.profile)
        let server = InMemoryServer()
        pump(session!, server)
        XCTAssertTrue(session!.settingsReceived)
        XCTAssertGreaterThan(memory.liveBlocks, 0, "the session itself lives in the pool")

        var held: [(live: Int, cached: Int)] = []
        for _ in 0..<3 {
            let response = try request(session!, server, worker: worker)
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.body, InMemoryServer.body)
            XCTAssertEqual(session!.activeStreams, 0)
            held.append((memory.liveBlocks, memory.cachedBytes))
        }
        XCTAssertGreaterThan(held[0].cached, 0, "the finished stream's blocks wait for the next one")
        XCTAssertEqual(held[2].live, held[1].live, "a warm session keeps no more blocks after a request")
        XCTAssertEqual(held[2].cached, held[1].cached, "and took every block it used from the free lists")

        session = nil
        XCTAssertEqual(memory.liveBlocks, 0, "nghttp2_session_del gave every block back")
    }

    /// One GET through `session`, answered by `server`.
    private func request(_ session: HTTP2Session, _ server: InMemoryServer, worker: Worker) throws -> FlowResponse {
        let origin = worker.configuration.platform
        var response: Result<FlowResponse, ProxyError>?
        let flow = FlowExchange(FlowRequest("GET", FlowURL(origin, "/v1/json"), kind: .api),
                                transport: UpstreamFlowTransport(worker: worker, stickyKey: ""), worker: worker) {
            response = $0
        }
        let user = UpstreamUser.flow(flow)
        let request = try XCTUnwrap(user.pendingRequest(worker.profile))
        _ = try session.submit(user, head: request.head, method: request.forward.method, target: request.forward.target,
                               page: request.forward.page, origin: origin, plan: request.plan, hasBody: false).get()
        pump(session, server)
        flow.handleDeferred()  // the loop would call it once the callbacks have unwound
        return try XCTUnwrap(response).get()
    }

    /// Moves frames both ways until neither side has anything to send.
    private func pump(_ session: HTTP2Session, _ server: InMemoryServer) {
        var output = IOBuffer()
        while true {
            XCTAssertTrue(session.produce(into: &output))
            let sent = output.readableCount
            server.receive(output.readable)
            output.consume(sent)
            let answer = server.produce()
            answer.withUnsafeBytes { XCTAssertTrue(session.receive($0)) }
            session.finishBatch()
            if sent == 0 && answer.isEmpty { return }
        }
    }
}

/// The upstream in memory: an nghttp2 server session (on the system's malloc) that answers every request
/// with 200 and a small JSON body.
private final class InMemoryServer {
    static let body = Array(#"{"ok":true}"#.utf8)
    private static let fields = [(":status", "200"), ("content-type", "application/json"),
                                 ("content-length", String(body.count))]
    private var session: OpaquePointer?

    init() {
        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { session, frame, _ in
            let header = frame!.pointee.hd
            let endsStream = header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
            if header.type == UInt8(NGHTTP2_HEADERS.rawValue) && endsStream {
                InMemoryServer.respond(session, header.stream_id)
            }
            return 0
        }
        nghttp2_session_server_new(&session, callbacks, nil)
        nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil, 0)
    }

    deinit {
        nghttp2_session_del(session)
    }

    func receive(_ bytes: UnsafeRawBufferPointer) {
        XCTAssertEqual(nghttp2_session_mem_recv(session, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count),
                       bytes.count)
    }

    func produce() -> [UInt8] {
        var out: [UInt8] = []
        while true {
            var data: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(session, &data)
            guard count > 0, let data else { return out }
            out.append(contentsOf: UnsafeBufferPointer(start: data, count: count))
        }
    }

    private static func respond(_ session: OpaquePointer?, _ stream: Int32) {
        var provider = nghttp2_data_provider()
        provider.read_callback = { _, _, buffer, _, flags, _, _ in
            let body = InMemoryServer.body
            body.withUnsafeBufferPointer { buffer!.update(from: $0.baseAddress!, count: body.count) }
            flags!.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue)
            return body.count
        }
        var bytes = fields.flatMap { Array($0.0.utf8) + Array($0.1.utf8) }
        bytes.withUnsafeMutableBufferPointer { bytes in
            var at = bytes.baseAddress!
            let nva = fields.map { name, value in
                defer { at += name.utf8.count + value.utf8.count }
                return nghttp2_nv(name: at, value: at + name.utf8.count, namelen: name.utf8.count,
                                  valuelen: value.utf8.count, flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
            }
            _ = nghttp2_submit_response(session, stream, nva, nva.count, &provider)
        }
    }
}

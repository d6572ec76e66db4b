import CNghttp2

/// The HTTP/2 protocol of one upstream connection: an nghttp2 client session that the connection
/// feeds with what it reads and drains into what it writes. Each stream belongs to one
/// `UpstreamUser`, which gets head, body and end as it would from HTTP/1.1. Response DATA is
/// acknowledged (WINDOW_UPDATE) only as the client takes it, so a slow reader holds back its own
/// stream and nothing else.
final class HTTP2Session {
    private var session: OpaquePointer?
    private unowned let connection: UpstreamConnection
    /// The users of open streams, by stream id.
    private var streams: [Int32: UpstreamUser] = [:]
    /// The stream whose header block is being received, 0 for none. HTTP/2 sends a block's frames back to
    /// back (RFC 9113 section 4.3), so there is one at a time: a response head, or trailers after it.
    private var blockStream: Int32 = 0
    private var partialHead: ResponseHead?
    private var partialTrailers: [HTTPField]?
    /// An emptied field array, kept from the last response head its user let go of, so the next head's
    /// fields reuse its storage instead of growing a new array field by field.
    private var spareFields: [HTTPField] = []
    /// Users that received a head or data in the current batch of reads, written out once at its end.
    private var touched: [UpstreamUser] = []
    /// Users whose queued request body nghttp2 took from while frames were produced.
    private var bodyTaken: [UpstreamUser] = []
    /// Set by GOAWAY from the server: no new streams here.
    private(set) var goingAway = false
    private(set) var protocolError: String?
    private var requestFields = HTTP2RequestFields()

    var activeStreams: Int { streams.count }

    /// The server's first SETTINGS frame has arrived, so its stream limit is known.
    private(set) var settingsReceived = false

    /// Room for another stream. Until the server's SETTINGS arrive only one stream goes out: a
    /// server may enforce a low limit from its first stream on and refuse the excess.
    var hasCapacity: Bool {
        guard session != nil, !goingAway, protocolError == nil else { return false }
        guard settingsReceived else { return streams.isEmpty }
        return streams.count < streamLimit
    }

    /// The server's SETTINGS_MAX_CONCURRENT_STREAMS.
    private var streamLimit: Int {
        Int(min(nghttp2_session_get_remote_settings(session, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS), 1_000_000))
    }

    /// Whether the session has ended: nothing more to read or write.
    var isFinished: Bool {
        guard let session else { return true }
        return nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0
    }

    init(connection: UpstreamConnection, profile: BrowserProfile) throws {
        self.connection = connection
        self.priority = profile.http2.priority
        self.pseudoHeaderOrder = profile.http2.pseudoHeaderOrder
        memory = connection.worker.http2Memory
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0 else { throw ProxyError(502, "nghttp2: out of memory") }
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, Self.onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, Self.onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, Self.onFrameReceived)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, Self.onData)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, Self.onStreamClose)

        var options: OpaquePointer?
        guard nghttp2_option_new(&options) == 0 else { throw ProxyError(502, "nghttp2: out of memory") }
        defer { nghttp2_option_del(options) }
        // We send WINDOW_UPDATE ourselves, when a client has taken the data.
        nghttp2_option_set_no_auto_window_update(options, 1)
        // Until the server's SETTINGS arrive, assume a common limit rather than nghttp2's unlimited.
        nghttp2_option_set_peer_max_concurrent_streams(options, 100)

        let me = Unmanaged.passUnretained(self).toOpaque()
        var allocator = memory.allocator
        guard nghttp2_session_client_new3(&session, callbacks, me, options, &allocator) == 0 else {
            throw ProxyError(502, "nghttp2: cannot create a session")
        }
        var entries = profile.http2.settings.map { nghttp2_settings_entry(settings_id: $0.id, value: $0.value) }
        nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &entries, entries.count)
        nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, profile.http2.connectionWindow)
    }

    private let priority: (weight: Int32, exclusive: Bool)?
    private let pseudoHeaderOrder: [HTTP2Profile.PseudoHeader]
    /// Where nghttp2 allocates; held so that it outlives the session (released after deinit's delete).
    private let memory: HTTP2Memory

    deinit {
        nghttp2_session_del(session)
    }

    // MARK: requests

    /// Opens a stream for the client's request. Returns the stream id, or nil with a reason.
    func submit(_ client: UpstreamUser, head: RequestHead, method: String, target: String, page: String?,
                origin: UpstreamOrigin, plan: HeaderPlan?, hasBody: Bool) -> Result<Int32, ProxyError> {
        requestFields.build(head, method: method, target: target, page: page, origin: origin, plan: plan,
                            pseudoHeaderOrder: pseudoHeaderOrder)
        // Past the server's limit the request fails alone, before it can end a connection others share.
        let limit = nghttp2_session_get_remote_settings(session, NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE)
        if let error = HeaderListSize.check(HeaderListSize.of(requestFields.spans), peerLimit: limit) {
            return .failure(error)
        }
        var provider = nghttp2_data_provider()
        provider.read_callback = Self.readBody
        var priorityBuffer = nghttp2_priority_spec()
        if let priority {
            nghttp2_priority_spec_init(&priorityBuffer, 0, priority.weight, priority.exclusive ? 1 : 0)
        }
        // Streams are looked up in `streams`; nghttp2's stream user data is not used.
        let id: Int32 = requestFields.withNameValues { nva, count in
            withUnsafePointer(to: &priorityBuffer) { spec in
                withUnsafePointer(to: &provider) { body in
                    nghttp2_submit_request(session, priority == nil ? nil : spec, nva, count, hasBody ? body : nil, nil)
                }
            }
        }
        guard id > 0 else {
            return .failure(ProxyError(502, "upstream HTTP/2 request failed: \(String(cString: nghttp2_strerror(id)))"))
        }
        streams[id] = client
        // Client streams are numbered 1, 3, 5…: any other than the first is on a connection used before.
        if id > 1 { connection.worker.metrics.count(.upstreamConnectionsReused, series: WireLabel.http2.rawValue) }
        return .success(id)
    }

    /// The user has more request body queued (or has ended it): nghttp2 pulls it as the window allows.
    func bodyAvailable(_ stream: Int32) {
        nghttp2_session_resume_data(session, stream)
        connection.sendFramesSoon()
    }

    /// The user wrote `count` response bytes to its client: let the server send that much more.
    func acknowledge(_ stream: Int32, _ count: Int) {
        guard count > 0 else { return }
        nghttp2_session_consume(session, stream, count)
        connection.sendFramesSoon()
    }

    /// The user is gone: reset its stream. Data still in flight is acknowledged on arrival.
    func cancelStream(_ stream: Int32) {
        guard streams.removeValue(forKey: stream) != nil else { return }
        endBlock(of: stream)
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream, NGHTTP2_CANCEL.rawValue)
        connection.sendFrames()
    }

    func ping() {
        nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil)
    }

    /// A graceful goodbye (GOAWAY, NO_ERROR) before closing an idle connection.
    func goAway() {
        nghttp2_session_terminate_session(session, NGHTTP2_NO_ERROR.rawValue)
    }

    // MARK: I/O

    /// Processes bytes read from the upstream. Returns false on a protocol error (see `protocolError`).
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let result = nghttp2_session_mem_recv(session, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
        if result < 0 {
            protocolError = String(cString: nghttp2_strerror(Int32(result)))
        }
        return result >= 0
    }

    /// The end of a batch of reads: each user that got a head or body bytes writes them out, once, so a
    /// HEADERS frame read apart from its first DATA still leaves in one write with it when both came in
    /// the batch, and goes out alone when the DATA is not there yet.
    func finishBatch() {
        for user in touched { user.upstreamBatchDone() }
        touched.removeAll(keepingCapacity: true)
    }

    /// Moves the frames nghttp2 wants to send into `output`.
    func produce(into output: inout IOBuffer) -> Bool {
        while true {
            var data: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(session, &data)
            if count < 0 {
                protocolError = String(cString: nghttp2_strerror(Int32(count)))
                return false
            }
            guard count > 0, let data else { break }
            output.append(UnsafeRawBufferPointer(start: data, count: count))
        }
        return true
    }

    /// Tells the clients whose queued body nghttp2 took from that they may queue more. Called
    /// after `produce`, outside its access to the output buffer, since they produce in turn.
    func notifyBodyTaken() {
        let clients = bodyTaken
        bodyTaken.removeAll(keepingCapacity: true)
        for client in clients { client.upstreamTookBody() }
    }

    /// The connection is gone: every open stream fails. Streams that got no answer yet and sent no
    /// body may be retried elsewhere.
    func terminate(_ error: ProxyError) {
        let open = streams
        streams.removeAll()
        endBlock(of: blockStream)
        for (_, client) in open {
            client.upstreamDidFail(error, retryable: client.isSafeToRetry)
        }
    }

    // MARK: nghttp2 callbacks

    private static func session(_ userData: UnsafeMutableRawPointer?) -> HTTP2Session {
        Unmanaged<HTTP2Session>.fromOpaque(userData!).takeUnretainedValue()
    }

    private func client(_ stream: Int32) -> UpstreamUser? {
        streams[stream]
    }

    private func endBlock(of stream: Int32) {
        guard stream == blockStream else { return }
        blockStream = 0
        partialHead = nil
        partialTrailers = nil
    }

    private static let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, userData in
        let me = session(userData)
        let stream = frame!.pointee.hd.stream_id
        // A response head, or after it the trailers.
        if let client = me.streams[stream] {
            me.blockStream = stream
            if client.hasResponseHead {
                me.partialTrailers = []
            } else {
                var fields: [HTTPField] = []
                swap(&fields, &me.spareFields)
                me.partialHead = ResponseHead(status: 0, reason: "", minorVersion: 1, fields: fields,
                                              framing: .untilClose, keepAlive: true)
            }
        }
        return 0
    }

    private static let onHeader: nghttp2_on_header_callback = { _, frame, name, nameLength, value, valueLength, _, userData in
        let me = session(userData)
        let stream = frame!.pointee.hd.stream_id
        let nameBytes = UnsafeBufferPointer(start: name, count: nameLength)
        let valueBytes = UnsafeBufferPointer(start: value, count: valueLength)
        guard stream == me.blockStream else { return 0 }
        guard me.partialHead != nil else {
            // nghttp2 refuses pseudo-headers in trailers, so every field here is a real one.
            me.partialTrailers?.append(HTTPField(String(decoding: nameBytes, as: UTF8.self),
                                                         String(decoding: valueBytes, as: UTF8.self)))
            return 0
        }
        if nameBytes.first == UInt8(ascii: ":") {
            if nameBytes.elementsEqual(":status".utf8) {
                me.partialHead!.status = Int(String(decoding: valueBytes, as: UTF8.self)) ?? 0
            }
            return 0
        }
        // Long names and values repeat from one response to the next: the worker's cache has their strings.
        let strings = me.connection.worker.fieldStrings
        let rawName = UnsafeRawBufferPointer(nameBytes)
        let value = strings.value(UnsafeRawBufferPointer(valueBytes), name: rawName)
        me.partialHead!.fields.append(HTTPField(strings.string(rawName), value))
        return 0
    }

    private static let onFrameReceived: nghttp2_on_frame_recv_callback = { _, frame, userData in
        let me = session(userData)
        let header = frame!.pointee.hd
        switch Int(header.type) {
        case Int(NGHTTP2_HEADERS.rawValue):
            me.headersReceived(header.stream_id)
        case Int(NGHTTP2_GOAWAY.rawValue):
            me.goingAway = true
            me.connection.sessionGoingAway()
        case Int(NGHTTP2_SETTINGS.rawValue) where header.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) == 0:
            me.settingsReceived = true
            me.connection.worker.pool.learnStreamLimit(me.connection.origin, me.streamLimit)
            me.connection.sessionCapacityChanged()
        case Int(NGHTTP2_PING.rawValue) where header.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0:
            me.connection.pingAcknowledged()
        default:
            break
        }
        return 0
    }

    private func headersReceived(_ stream: Int32) {
        guard stream == blockStream else { return }
        blockStream = 0
        if let trailers = partialTrailers.take() {
            client(stream)?.upstreamTrailers(trailers)
            return
        }
        guard var head = partialHead.take(), let client = client(stream) else { return }
        if head.status >= 100 && head.status < 200 { return }  // interim answers are not relayed
        head.reason = StatusText.reason(head.status)
        // The head goes out to the client at the end of this read, without waiting for DATA.
        if touched.last?.isSame(as: client) != true { touched.append(client) }
        let method = client.requestMethod
        if method == "HEAD" || head.status == 204 || head.status == 304 {
            head.framing = .none
        } else if let length = head.fields.first(where: { $0.hasName("content-length") }).flatMap({ UInt64($0.value) }) {
            head.framing = .contentLength(length)
        }
        client.upstreamDidReceiveHead(head)
        // Without a copy kept by the user, emptying it allocates nothing.
        head.fields.removeAll(keepingCapacity: true)
        spareFields = head.fields
    }

    private static let onData: nghttp2_on_data_chunk_recv_callback = { session, _, stream, data, length, userData in
        let me = HTTP2Session.session(userData)
        guard let client = me.client(stream) else {
            // A cancelled stream's data still counts against the connection window.
            nghttp2_session_consume_connection(session, length)
            return 0
        }
        let accepted = client.upstreamBody(UnsafeRawBufferPointer(start: data, count: length))
        if accepted {
            nghttp2_session_consume(session, stream, length)
        } else {
            client.deferAcknowledgement(length)
        }
        if me.touched.last?.isSame(as: client) != true { me.touched.append(client) }
        return 0
    }

    private static let onStreamClose: nghttp2_on_stream_close_callback = { _, stream, errorCode, userData in
        let me = session(userData)
        me.endBlock(of: stream)
        guard let client = me.streams.removeValue(forKey: stream) else { return 0 }
        if errorCode == NGHTTP2_NO_ERROR.rawValue && client.hasResponseHead {
            client.upstreamDidFinish()
        } else if errorCode == NGHTTP2_REFUSED_STREAM.rawValue {
            // Not processed by the server (RFC 9113 8.7): safe to send again if nothing was sent.
            client.upstreamDidFail(ProxyError(502, "upstream \(me.connection.origin.authority) refused the stream"),
                                   retryable: client.isSafeToRetry)
        } else {
            let reason = errorCode == NGHTTP2_NO_ERROR.rawValue
                ? "closed the stream without a response"
                : "reset the stream: \(String(cString: nghttp2_http2_strerror(errorCode)))"
            client.upstreamDidFail(ProxyError(502, "upstream \(me.connection.origin.authority) \(reason)"), retryable: false)
        }
        me.connection.sessionCapacityChanged()
        return 0
    }

    private static let readBody: nghttp2_data_source_read_callback = { session, stream, buffer, length, flags, _, userData in
        let me = HTTP2Session.session(userData)
        guard let client = me.client(stream) else {
            flags!.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue)
            return 0
        }
        let (count, ended) = client.takeRequestBody(into: UnsafeMutableRawBufferPointer(start: buffer, count: length))
        if ended { flags!.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue) }
        if count == 0 && !ended { return Int(NGHTTP2_ERR_DEFERRED.rawValue) }
        if me.bodyTaken.last?.isSame(as: client) != true { me.bodyTaken.append(client) }
        return count
    }
}

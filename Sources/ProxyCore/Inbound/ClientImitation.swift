/// An /imitate/v1 call's part of a client exchange: the OpenAI request read from the client's body, and the
/// site's answer turned into what the client gets (its own head, then events or one JSON answer). The
/// exchange relays the site's call as any other and hands the response's bytes, decoded, here instead of
/// to the client. One per call.
final class ClientImitation {
    private unowned let connection: ClientConnection
    /// The client's HTTP minor version, for the head this writes.
    private let minorVersion: Int
    /// A streamed answer's framing: HTTP/1.0 has no chunks, its body ends when the connection closes.
    private var framing: ClientFraming { minorVersion >= 1 ? .chunked : .untilClose }
    /// A completion's answer, once its request was read; nil for the models call.
    private var answer: ImitateAnswer?
    /// The site's answer head for the current upstream call (a continuation has its own).
    private var upstreamHead: (status: Int, fields: [HTTPField])?
    /// A refusal's body or the models list, read whole up to `collectLimit` and answered at the end.
    private var collected: [UInt8] = []
    /// The site's body when coded (the browser's Accept-Encoding offered it codings): its decoder and the
    /// bytes not decoded yet, which hold the upstream back until the client takes its output.
    private var coded: CodedBody?
    /// Decoded bytes on their way into the answer.
    private var decoded = IOBuffer()
    /// The site's bytes (not coded) kept while the client's output is full.
    private var held = IOBuffer()
    /// The client's streamed head went out: an error from here on is an event in the stream.
    private var headWritten = false
    /// The events of one read, reused.
    private var events: [UInt8] = []

    /// A refusal's reason is in its first bytes; a models list is a few KB.
    private static let collectLimit = 256 * 1024
    /// Site bytes converted at a time, so the client's output stays near `highWater` whatever the events' size.
    private static let step = 16 * 1024
    /// The client's fields an /imitate/v1 call takes to the site: its token and the workspace it chose (a
    /// team account's); the rest is the OpenAI client's, which the web app would not send.
    static func passes(_ field: HTTPField) -> Bool {
        field.known == .authorization || field.hasName(ChatGPTSite.accountHeader)
    }

    /// The converter reads plain bytes: every coding the browser offered is removed first.
    private static let readsIdentity = [HTTPField("accept-encoding", "identity")]

    init(connection: ClientConnection, minorVersion: Int) {
        self.connection = connection
        self.minorVersion = minorVersion
    }

    /// The client's body, complete: the conversation body for the handshake, or the 400 to answer.
    func prepare(_ body: [UInt8], _ configuration: Configuration, tokenizer: Tokenizer?) -> Result<[UInt8], ImitateError> {
        let request: ImitateRequest
        do { request = try ImitateRequest(body) } catch { return .failure(error) }
        if request.maxTokens != nil && tokenizer == nil {
            // Cutting by a guessed count would give a wrong answer that looks right; saying so is better.
            return .failure(.invalid("max_tokens cannot be honoured: this proxyd counts tokens with the o200k_base "
                                         + "vocabulary (PROXYD_TOKENIZER), which it has not loaded", param: "max_tokens",
                                     code: "unsupported_parameter"))
        }
        let id = "chatcmpl-" + UUIDText.version4().filter { $0 != "-" }
        answer = ImitateAnswer(request: request, id: id, created: Int(BrowserClock.epochMilliseconds() / 1000),
                               continuations: configuration.imitateContinue, historyEnabled: configuration.imitateHistory,
                               tokenizer: tokenizer)
        return .success(request.conversationBody(historyEnabled: configuration.imitateHistory))
    }

    /// The site's head: nothing goes to the client yet. An error when its body has a coding proxyd cannot remove.
    func received(_ head: ResponseHead) -> ProxyError? {
        upstreamHead = (head.status, head.fields)
        collected = []
        coded = nil
        let handling = ContentHandling.decide(response: head.fields, request: Self.readsIdentity, decodes: true,
                                              hasBody: head.framing != .none)
        switch handling {
        case .passThrough:
            return nil
        case .decode(let coding):
            guard let decoder = ContentDecoder(coding) else {
                return ProxyError(502, "cannot allocate a \(coding) decoder for chatgpt's answer")
            }
            coded = CodedBody(decoder, chunked: false)
            return nil
        case .refuse(let message):
            return ProxyError(502, message)
        }
    }

    /// Site bytes wait here, not converted yet, for the client to take output; the upstream stays paused meanwhile.
    var pending: Bool { coded?.pending ?? !held.isEmpty }

    /// A read of the site's body: converted while the client's output has room (decoded first), kept otherwise.
    func take(_ bytes: UnsafeRawBufferPointer) -> ImitateAnswer.Progress {
        if let coded {
            // Kept whole, then decoded a step at a time below.
            if let error = coded.take(bytes, into: &decoded, limit: 0) { return decodingFailed(error) }
        } else if held.isEmpty && hasRoom && bytes.count <= Self.step {
            return convert(bytes)
        } else {
            held.append(bytes)
        }
        return convertKept()
    }

    /// Converts what is kept, a step of the site's bytes at a time, while the client's output has room: events
    /// can be larger than the site's bytes they come from (a one-character delta becomes a whole chunk), so the
    /// output is checked after each step, not once for all the input.
    func convertKept() -> ImitateAnswer.Progress {
        while hasRoom {
            let progress: ImitateAnswer.Progress
            if let coded {
                if let error = coded.decodeKept(into: &decoded, limit: Self.step) { return decodingFailed(error) }
                guard !decoded.isEmpty else { break }
                progress = convert(decoded.readable)
                decoded.consume(decoded.readableCount)
            } else {
                guard !held.isEmpty else { break }
                let count = min(held.readableCount, Self.step)
                progress = convert(UnsafeRawBufferPointer(rebasing: held.readable[..<count]))
                held.consume(count)
            }
            guard progress == .reading else { return progress }
        }
        held.releaseIfEmpty()
        decoded.releaseIfEmpty()
        return .reading
    }

    private var hasRoom: Bool { connection.output.readableCount < Backpressure.highWater }

    private func decodingFailed(_ error: ContentDecodingError) -> ImitateAnswer.Progress {
        .failed(Self.undecodable(error))
    }

    private static func undecodable(_ error: ContentDecodingError) -> ImitateError {
        ImitateError(status: 502, message: "cannot decode chatgpt's answer: \(error.message)")
    }

    private func convert(_ bytes: UnsafeRawBufferPointer) -> ImitateAnswer.Progress {
        guard upstreamHead?.status == 200, answer != nil else {
            if collected.count < Self.collectLimit { collected += bytes.prefix(Self.collectLimit - collected.count) }
            return .reading
        }
        events.removeAll(keepingCapacity: true)
        let progress = answer!.feed(bytes, into: &events)
        write(events)
        if progress == .finished { complete() }
        return progress
    }

    /// The site's body ended: the client's answer is complete in the output (`.finished`), or goes on with a
    /// continuation turn, or failed.
    func ended() -> ImitateAnswer.Ending {
        guard let head = upstreamHead else { return .failed(ImitateError(status: 502, message: "chatgpt sent no answer")) }
        upstreamHead = nil
        if let error = coded?.endError {
            return .failed(Self.undecodable(error))
        }
        guard head.status == 200 else { return .failed(ImitateError.site(status: head.status, fields: head.fields, body: collected)) }
        guard answer != nil else {
            guard let list = ImitateModels.list(fromSite: collected) else {
                return .failed(ImitateError(status: 502, message: "chatgpt's models answer holds no models list"))
            }
            writeWhole(list)
            return .finished
        }
        events.removeAll(keepingCapacity: true)
        let ending = answer!.end(into: &events)
        write(events)
        if ending == .finished { complete() }
        return ending
    }

    /// The answer failed after its streamed head went out: the error as an event, and the stream's end. False
    /// when no head went out yet, and the exchange answers the error itself.
    func streamFailed(_ error: ImitateError) -> Bool {
        guard headWritten else { return false }
        write(ImitateAnswer.errorEvent(error))
        finishStream()
        return true
    }

    // MARK: writing

    private func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        if !headWritten { writeStreamHead() }
        bytes.withUnsafeBytes { bytes in
            if framing == .chunked {
                ChunkedEncoder.writeChunk(bytes, into: &connection.output)
            } else {
                connection.output.append(bytes)
            }
        }
    }

    /// `text/event-stream`, chunked (HTTP/1.0: until the connection closes); `no-cache` and
    /// `X-Accel-Buffering: no` keep caches and an nginx in front from holding the events back.
    private func writeStreamHead() {
        headWritten = true
        connection.responseStarted(200)
        StatusLine.write(minorVersion: minorVersion, status: 200, into: &connection.output)
        connection.output.append("Content-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\n"
                                 + "X-Accel-Buffering: no\r\n")
        if let limits = connection.limitStatus { LimitHeaders.write(limits, into: &connection.output) }
        if framing == .chunked { connection.output.append("Transfer-Encoding: chunked\r\n") }
        if !connection.keepAlive || framing == .untilClose {
            connection.output.append("Connection: close\r\n")
            connection.mustClose()
        }
        connection.output.append("\r\n")
    }

    /// The answer finished: the stream's end, or the whole answer.
    private func complete() {
        guard let answer else { return }
        if answer.request.stream {
            finishStream()
        } else {
            writeWhole(String(decoding: answer.completion, as: UTF8.self))
        }
    }

    private func finishStream() {
        if !headWritten { writeStreamHead() }
        if framing == .chunked { ChunkedEncoder.writeLastChunk(into: &connection.output) }
    }

    private func writeWhole(_ json: String) {
        connection.responseStarted(200)
        LocalResponse.write(status: 200, json: json, minorVersion: minorVersion, keepAlive: connection.keepAlive,
                            into: &connection.output)
    }
}

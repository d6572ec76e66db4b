/// One /imitate/v1 completion's answer, from the site's event stream read by read to what the client
/// gets: `chat.completion.chunk` events as they come (streamed), or one `chat.completion` at the end.
/// The client's `stop` strings and `max_tokens` end it early; a site `max_tokens` finish asks for a
/// continuation turn while any are left. With a tokenizer, tokens are counted exactly (o200k_base) for
/// `usage`; without one there is no usage, never an estimate. No sockets: the caller feeds what it read,
/// writes what comes back and carries out the ending. Streamed, it holds what `AnswerStreamConverter`
/// holds plus a stop string's length and the tallies' unsettled tails.
package struct ImitateAnswer {
    /// What a read leads to.
    package enum Progress: Equatable {
        case reading
        /// The client's answer is complete (a stop string, or `max_tokens`): the upstream stream is no longer needed.
        case finished
        case failed(ImitateError)
    }

    /// What the end of the site's stream leads to.
    package enum Ending: Equatable {
        case finished
        /// The site stopped at its own `max_tokens`: a new turn with this body continues the answer.
        case continueTurn([UInt8])
        case failed(ImitateError)
    }

    package let request: ImitateRequest
    private let id: String
    private let created: Int
    private let historyEnabled: Bool
    private var continuationsLeft: Int
    private var upstream = AnswerStreamConverter()
    private let writer: CompletionChunkWriter
    private var whole = CompletionAccumulator()
    private var stops: StopSequences
    private var roleSent = false
    private var tokens: Tokens?

    /// The answer's text counted as it goes out, content and reasoning apart (each is its own text).
    private struct Tokens {
        let tokenizer: Tokenizer
        var content: TokenTally
        var reasoning: TokenTally

        init(_ tokenizer: Tokenizer) {
            self.tokenizer = tokenizer
            content = TokenTally(tokenizer: tokenizer)
            reasoning = TokenTally(tokenizer: tokenizer)
        }
    }

    /// `tokenizer` nil: no usage; the request must then have no `max_tokens` (the caller refuses it).
    package init(request: ImitateRequest, id: String, created: Int, continuations: Int, historyEnabled: Bool,
                 tokenizer: Tokenizer? = nil) {
        precondition(tokenizer != nil || request.maxTokens == nil, "max_tokens needs the tokenizer")
        self.request = request
        // Counted only when something reads the count: usage (always part of an answer not streamed) or a limit.
        let counts = !request.stream || request.includeUsage || request.maxTokens != nil
        tokens = counts ? tokenizer.map(Tokens.init) : nil
        self.id = id
        self.created = created
        self.continuationsLeft = continuations
        self.historyEnabled = historyEnabled
        writer = CompletionChunkWriter(id: id, created: created, model: request.model)
        stops = StopSequences(request.stop)
    }

    /// Bytes of the site's stream; streamed, the client's events for them are appended to `out`.
    package mutating func feed(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Progress {
        let progress = deliver(upstream.feed(bytes), into: &out)
        if progress == .reading, case .failed(let error) = upstream.state { return .failed(Self.failure(error)) }
        return progress
    }

    /// The site's stream ended.
    package mutating func end(into out: inout [UInt8]) -> Ending {
        if deliver(upstream.end(), into: &out) == .finished { return .finished }
        if case .failed(let error) = upstream.state { return .failed(Self.failure(error)) }
        if case .handoff(let topic) = upstream.state {
            return .failed(ImitateError(status: 502, message: "chatgpt moved this answer to a WebSocket (stream_handoff"
                                        + (topic.map { ", topic \($0)" } ?? "") + "), which proxyd does not follow; "
                                        + "a lower reasoning_effort keeps answers on the event stream",
                                        code: "stream_handoff"))
        }
        let converter = upstream.converter
        if converter.siteMaxTokens, continuationsLeft > 0, let conversation = converter.conversationID,
           let last = converter.lastAssistantMessageID {
            continuationsLeft -= 1
            upstream.continueUpstream()
            return .continueTurn(ImitateRequest.continuationBody(conversationID: conversation, lastAssistantMessageID: last,
                                                                 model: request.webModel, historyEnabled: historyEnabled))
        }
        let fits = emitCounted(.content(stops.flush()), into: &out)
        finish(converter.siteMaxTokens || !fits ? .length : .stop, into: &out)
        return .finished
    }

    /// Not streamed: the answer as one `chat.completion`, once it has finished.
    package var completion: [UInt8] {
        whole.completion(id: id, created: created, model: request.model, usage: usage)
    }

    /// The prompt proxyd sent (not the site's own instructions, which it never sees) and the text the client
    /// got, counted with o200k_base; nil without a tokenizer.
    private var usage: CompletionUsage? {
        guard let tokens else { return nil }
        return CompletionUsage(promptTokens: tokens.tokenizer.count(request.prompt),
                               completionTokens: tokens.content.count + tokens.reasoning.count)
    }

    /// Streamed, after the client's head went out: the error as the event OpenAI's SDKs raise on.
    package static func errorEvent(_ error: ImitateError) -> [UInt8] {
        Array(("data: " + error.json + "\n\n").utf8)
    }

    private mutating func deliver(_ events: [CompletionEvent], into out: inout [UInt8]) -> Progress {
        for event in events {
            switch event {
            case .content(let text):
                let (passed, stopped) = stops.pass(text)
                if !emitCounted(.content(passed), into: &out) {
                    finish(.length, into: &out)
                    return .finished
                }
                if stopped {
                    finish(.stop, into: &out)
                    return .finished
                }
            case .reasoning:
                if !emitCounted(event, into: &out) {
                    finish(.length, into: &out)
                    return .finished
                }
            case .finish:
                continue  // the finish is decided at the end (`end`), after any continuation
            }
        }
        return .reading
    }

    /// Counts the text and emits what fits under `max_tokens`; false when the limit cut it (the answer ends).
    private mutating func emitCounted(_ event: CompletionEvent, into out: inout [UInt8]) -> Bool {
        let text: String
        switch event {
        case .content(let content): text = content
        case .reasoning(let reasoning): text = reasoning
        case .finish: return true
        }
        guard !text.isEmpty else { return true }
        // The tallies are changed in place (`tokens!`): a copy would copy their unsettled tails on every delta.
        guard tokens != nil else {
            emit(event, into: &out)
            return true
        }
        let isContent = if case .content = event { true } else { false }
        guard let limit = request.maxTokens else {
            if isContent { tokens!.content.add(text) } else { tokens!.reasoning.add(text) }
            emit(event, into: &out)
            return true
        }
        // Reasoning counts against max_tokens as OpenAI's reasoning models count it.
        let other = isContent ? tokens!.reasoning.count : tokens!.content.count
        let fit = isContent ? tokens!.content.add(text, limit: limit - other) : tokens!.reasoning.add(text, limit: limit - other)
        let kept = fit == text.utf8.count ? text : String(decoding: text.utf8.prefix(fit), as: UTF8.self)
        if !kept.isEmpty { emit(isContent ? .content(kept) : .reasoning(kept), into: &out) }
        return fit == text.utf8.count
    }

    /// The role goes with the first delta the client gets (a stop string may hold back the site's first text).
    private mutating func emit(_ event: CompletionEvent, into out: inout [UInt8]) {
        if request.stream { writer.write(event, role: !roleSent, into: &out) } else { whole.add(event) }
        roleSent = true
    }

    private mutating func finish(_ reason: CompletionFinish, into out: inout [UInt8]) {
        if request.stream {
            writer.write(.finish(reason), role: !roleSent, into: &out)
            if request.includeUsage, let usage { out += writer.usageChunk(usage) }
            out += CompletionChunkWriter.done
        } else {
            whole.add(.finish(reason))
        }
    }

    private static func failure(_ error: AnswerStreamError) -> ImitateError {
        ImitateError(status: 502, message: "chatgpt: " + String(describing: error))
    }
}

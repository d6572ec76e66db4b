/// Why an answer's stream could not be converted; each says what went wrong in words a client can be shown.
package enum AnswerStreamError: Error, Equatable, CustomStringConvertible {
    case stream(SSEParseError)
    case delta(DeltaError)
    /// The site's own error in the stream.
    case site(String)
    /// The upstream ended without `data: [DONE]` (and without a handoff).
    case truncated

    package var description: String {
        switch self {
        case .stream(let error): return error.description
        case .delta(let error): return "the site's answer could not be read: \(error.description)"
        case .site(let message): return "the site reported: \(message)"
        case .truncated: return "the site's answer ended before it was complete"
        }
    }
}

/// The whole conversion of one upstream answer, per read: bytes of ChatGPT web's event stream in, the decisions
/// of `CompletionConverter` out. No sockets: the caller feeds what it read and writes what comes back (through
/// `CompletionChunkWriter` or `CompletionAccumulator`). It holds the parser's unfinished event, the current
/// document and a few counters.
package struct AnswerStreamConverter {
    package enum State: Equatable {
        case open
        /// `[DONE]` was read; the caller decides between finishing and continuing (`continueUpstream()`).
        case done
        /// The site moved the answer to a WebSocket; nothing more comes on this stream.
        case handoff(topicID: String?)
        /// The stream went wrong (the site's own error, or what cannot be read) after the deltas before it,
        /// which `feed` still returned: the client gets its text, then the error.
        case failed(AnswerStreamError)
    }

    package private(set) var state = State.open
    package private(set) var document = AnswerDocument()
    package private(set) var converter = CompletionConverter()
    private var parser: SSEEventParser

    package init(maxEventBytes: Int = 4 << 20) {
        parser = SSEEventParser(maxEventBytes: maxEventBytes)
    }

    /// The deltas the client gets for this read. Events after `[DONE]`, a handoff or a failure are not read;
    /// a failure is the state after the deltas before it.
    package mutating func feed<Bytes: Collection>(_ bytes: Bytes) -> [CompletionEvent] where Bytes.Element == UInt8 {
        guard state == .open else { return [] }
        do throws(SSEParseError) {
            return read(try parser.feed(bytes))
        } catch {
            state = .failed(.stream(error))
            return []
        }
    }

    /// The upstream closed: the last unfinished event is read; an answer without its end is a failure.
    package mutating func end() -> [CompletionEvent] {
        let deltas = state == .open ? read(parser.finish().map { [$0] } ?? []) : []
        if state == .open { state = .failed(.truncated) }
        return deltas
    }

    /// A continuation (`action: "continue"`) brings a new upstream stream for the same client answer: a fresh
    /// parser and document, while the converter keeps what the client has. The continued message keeps its id
    /// and full text, or comes under a new id with the new text only; the diff is right either way.
    package mutating func continueUpstream() {
        parser = SSEEventParser(maxEventBytes: parser.maxEventBytes)
        document = AnswerDocument()
        converter.continued()
        state = .open
    }

    private mutating func read(_ events: [SSEEvent]) -> [CompletionEvent] {
        var deltas: [CompletionEvent] = []
        for event in events where state == .open {
            let kind: AnswerEventKind
            do throws(DeltaError) {
                kind = try document.apply(event)
            } catch {
                state = .failed(.delta(error))
                break
            }
            switch kind {
            case .updated:
                guard let current = document.document else { continue }
                deltas += converter.observe(current)
                if let error = converter.siteError { state = .failed(.site(error)) }
            case .ignored:
                continue
            case .done:
                state = .done
            case .handoff(let topic):
                state = .handoff(topicID: topic)
            case .siteError(let message):
                state = .failed(.site(message))
            }
        }
        return deltas
    }
}

/// What one event of the answer's stream meant.
package enum AnswerEventKind: Equatable {
    /// The document changed (or was replaced); read `AnswerDocument.document`.
    case updated
    /// An event that carries nothing for the answer's text (titles, metadata, moderation, the format's switch).
    case ignored
    /// `data: [DONE]`: the site ended the answer.
    case done
    /// The site moved the rest of the answer to a WebSocket topic (nil when the event named none).
    case handoff(topicID: String?)
    /// A full-message line with no message and the site's `error` (a rate limit, a refused turn, …).
    case siteError(String)
}

/// The answer of one ChatGPT web conversation request, rebuilt from its events in either format: full-message
/// lines (each the whole `{message, conversation_id, error}`) or delta encoding v1 (operations on that document,
/// see chatgpt-web.md §4). Only the current document is held, never the events: memory follows the size of the
/// message being written, not the length of the stream.
package struct AnswerDocument {
    /// The current document, nil before the first.
    package private(set) var document: JSONValue?
    /// The number (`c`) of the current document in delta encoding; nil in the full-message format.
    package private(set) var documentNumber: Int?
    /// `event: delta_encoding` / `data: "v1"` was seen.
    package private(set) var deltaEncoding = false

    /// What a `{"v": …}` alone repeats: the last operation's path and name.
    private var lastPath: [String]?
    private var lastOperation: String?

    package init() {}

    /// Reads one event; throws `DeltaError` when its data is no JSON or its operation cannot be applied.
    package mutating func apply(_ event: SSEEvent) throws(DeltaError) -> AnswerEventKind {
        if event.data.elementsEqual("[DONE]".utf8) { return .done }
        if event.name == "delta_encoding" {
            guard JSONObjectReader.value(event.data)?.string == "v1" else {
                throw DeltaError("the site chose a delta encoding other than v1: \(Self.excerpt(event.data))")
            }
            deltaEncoding = true
            return .ignored
        }
        guard let value = JSONObjectReader.value(event.data) else {
            throw DeltaError("an event of the answer is no JSON: \(Self.excerpt(event.data))")
        }
        guard case .object = value else {
            // A bare string such as "v1" without its event name, or a number: nothing for the document.
            return .ignored
        }
        if let type = value["type"]?.string {
            guard type == "stream_handoff" else { return .ignored }
            return .handoff(topicID: Self.topicID(value))
        }
        if value["p"] == nil, value["o"] == nil, value["v"] == nil {
            // The full-message format (also seen between deltas): the whole document; `moderation` and others
            // without a message are not.
            guard let message = value["message"], case .object = message else {
                if let error = value["error"], !error.isNull {
                    return .siteError(error.siteErrorMessage)
                }
                return .ignored
            }
            document = value
            return .updated
        }
        try applyOperation(value)
        return .updated
    }

    /// One delta operation: `{"p", "o", "v"}`, `{"v"}` repeating the last `p` and `o`, or `{"v": {document}, "c"}`.
    private mutating func applyOperation(_ value: JSONValue) throws(DeltaError) {
        let operand = value["v"] ?? .null
        if let numberText = value["c"], let number = numberText.number.flatMap({ Int(exactly: $0) }) {
            let path = try value["p"]?.string.map(JSONValue.pointerTokens)
            // `{"v": {"message": …}, "c": N}` or an `add` at the root; a `{"v": "more text", "c": N}` is the
            // shorthand on document N.
            if path == [] || (path == nil && operand["message"] != nil) {
                // A new document N: the next message (a tool call, the next assistant message, …). The previous
                // one is finished and dropped.
                guard case .object = operand else { throw DeltaError("document \(number) starts with no object") }
                document = operand
                documentNumber = number
                lastPath = []
                lastOperation = "add"
                return
            }
            guard number == documentNumber else {
                throw DeltaError("an operation for document \(number) while document \(documentNumber.map(String.init) ?? "none") is open")
            }
        }
        let path: [String]
        if let pointer = value["p"] {
            guard let text = pointer.string else { throw DeltaError("an operation whose path is no string") }
            path = try JSONValue.pointerTokens(text)
        } else {
            guard let previous = lastPath else { throw DeltaError("a {\"v\": …} with no operation before it") }
            path = previous
        }
        let operation = value["o"]?.string ?? lastOperation ?? "add"
        lastPath = path
        lastOperation = operation
        try Self.apply(operation, path: path, operand: operand, to: &document)
    }

    private static func apply(_ operation: String, path: [String], operand: JSONValue,
                              to document: inout JSONValue?) throws(DeltaError) {
        if path.isEmpty, operation == "add" || operation == "replace" {
            document = operand
            return
        }
        if operation == "patch" {
            guard case .array(let operations) = operand else { throw DeltaError("a patch whose value is no list") }
            for item in operations {
                guard case .object = item, let text = item["p"]?.string, let name = item["o"]?.string else {
                    throw DeltaError("a patch holds something that is no operation")
                }
                try apply(name, path: try JSONValue.pointerTokens(text), operand: item["v"] ?? .null, to: &document)
            }
            return
        }
        guard var current = document else { throw DeltaError("an operation before the document") }
        // Moved out so that the edit below holds the only reference to the document's storage.
        document = nil
        defer { document = current }
        let slice = path[...]
        switch operation {
        case "add", "replace":
            try current.set(operand, at: slice)
        case "append":
            try current.append(operand, at: slice)
        case "truncate":
            guard let length = operand.number.flatMap({ Int(exactly: $0) }) else {
                throw DeltaError("truncate to a length that is no integer")
            }
            try current.truncate(to: length, at: slice)
        case "remove":
            try current.remove(at: slice)
        default:
            throw DeltaError("an unknown operation \"\(operation)\"")
        }
    }

    /// `{"type":"stream_handoff","options":[{"type":"subscribe_ws_topic","topic_id":…}]}`.
    private static func topicID(_ value: JSONValue) -> String? {
        guard case .array(let options)? = value["options"] else { return nil }
        return options.lazy.compactMap { $0["topic_id"]?.string }.first
    }

    /// The start of an event for an error message: enough to recognise it, never a whole megabyte.
    private static func excerpt(_ data: [UInt8]) -> String {
        let text = String(decoding: data.prefix(80), as: UTF8.self)
        return data.count > 80 ? text + "…" : text
    }
}

/// Why the answer ended, in OpenAI's words.
package enum CompletionFinish: String, Equatable {
    case stop
    /// The answer was cut by a token limit (the site's `max_tokens` finish).
    case length
}

/// A decision of `CompletionConverter`: what the client should be told next.
package enum CompletionEvent: Equatable {
    /// New text of the answer.
    case content(String)
    /// New reasoning (`channel: analysis`), for `delta.reasoning_content`.
    case reasoning(String)
    /// The last delta, carrying only the finish reason.
    case finish(CompletionFinish)
}

/// Decides, from the answer's document after each event, which `chat.completion.chunk` deltas an OpenAI client
/// gets. It writes nothing itself (`CompletionChunkWriter` does) and holds no text: per message only how many
/// bytes of its text were already sent, so its memory does not grow with the answer's text.
package struct CompletionConverter {
    /// How many UTF-8 bytes of `parts[0]` of the current message the client already has.
    package private(set) var sentBytes = 0
    /// The id of the message being diffed; another id diffs from what was sent of that one.
    package private(set) var messageID: String?
    /// What was sent of the messages diffed before the current one: a message may come back after another (a
    /// continuation that thinks first, then carries on the text it cut under the same id and with all of it).
    private var sentBefore: [String: Int] = [:]
    /// The last message whose text was for the user: the `parent_message_id` of an `action: "continue"`.
    package private(set) var lastAssistantMessageID: String?
    package private(set) var conversationID: String?
    /// The last user-visible message finished with the site's `max_tokens`: the finish is `length`, and a caller
    /// may continue the answer with `action: "continue"`.
    package private(set) var siteMaxTokens = false
    /// The site's `error` of the document, when it set one.
    package private(set) var siteError: String?

    package init() {}

    /// A continuation's stream starts: whether it too stops at the site's limit is its own to say.
    package mutating func continued() {
        siteMaxTokens = false
    }

    /// The deltas the document's new state adds.
    package mutating func observe(_ document: JSONValue) -> [CompletionEvent] {
        if let id = document["conversation_id"]?.string { conversationID = id }
        if let error = document["error"], error.isNull == false {
            siteError = error.siteErrorMessage
        }
        guard let message = document["message"], let kind = Self.kind(of: message) else { return [] }
        let id = message["id"]?.string
        if id != messageID {
            if let messageID { sentBefore[messageID] = sentBytes }
            messageID = id
            sentBytes = id.flatMap { sentBefore.removeValue(forKey: $0) } ?? 0
        }
        if kind == .content {
            lastAssistantMessageID = id
            siteMaxTokens = message["metadata"]?["finish_details"]?["type"]?.string == "max_tokens"
        }
        guard let text = message["content"]?["parts"]?.element(0)?.string else { return [] }
        guard let delta = newSuffix(of: text) else { return [] }
        return [kind == .content ? .content(delta) : .reasoning(delta)]
    }

    private enum Kind { case content, reasoning }

    /// Text for the user: the assistant's, to `all`, a `next` or `continue` message (or one without a type), not
    /// reasoning. Tool messages, messages to a tool (`recipient` other than `all`) and variants are not.
    private static func kind(of message: JSONValue) -> Kind? {
        guard message["author"]?["role"]?.string == "assistant", message["recipient"]?.string == "all" else {
            return nil
        }
        switch message["metadata"]?["message_type"]?.string {
        case nil, "next", "continue": break
        default: return nil
        }
        return message["channel"]?.string == "analysis" ? .reasoning : .content
    }

    /// What `text` holds beyond the bytes already sent. Text the site rewrote (shorter, or changed before that
    /// point) is not sent again: a client cannot take a delta back, so it gets only what lies past its copy.
    private mutating func newSuffix(of text: String) -> String? {
        let bytes = text.utf8
        guard bytes.count > sentBytes else { return nil }
        var start = bytes.index(bytes.startIndex, offsetBy: sentBytes)
        // Only after a rewrite can the old length fall inside a character: start at the next whole one.
        while start != bytes.endIndex, bytes[start] & 0xC0 == 0x80 { start = bytes.index(after: start) }
        sentBytes = bytes.count
        guard start != bytes.endIndex else { return nil }
        return String(text[start...])
    }
}

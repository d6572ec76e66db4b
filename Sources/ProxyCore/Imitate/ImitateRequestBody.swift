/// The ChatGPT web conversation bodies of an /imitate/v1 request: one new conversation per request
/// (the API is stateless: every request carries the whole exchange), and the `continue` turns that
/// extend an answer the site cut at its own `max_tokens`.
extension ImitateRequest {
    /// The exchange as the text of one user message. ChatGPT web takes one new user message per turn,
    /// so the API's list is flattened, deterministically:
    /// - system and developer messages first, in order, each its text, separated by a blank line;
    /// - then, after a blank line, the user and assistant messages. A lone user message is its text as
    ///   it is (the common case reads like a web turn); several are each `User:` or `Assistant:` on a line
    ///   of its own, then the text, separated by blank lines, so the model sees who said what, ending
    ///   with the last user message (the request is refused otherwise).
    package var prompt: String {
        let preamble = messages.filter { $0.role == .system || $0.role == .developer }.map(\.text)
            .filter { !$0.isEmpty }
        let turns = messages.filter { $0.role == .user || $0.role == .assistant }
        let exchange = turns.count == 1
            ? turns[0].text
            : turns.map { ($0.role == .user ? "User:\n" : "Assistant:\n") + $0.text }.joined(separator: "\n\n")
        return (preamble + [exchange]).joined(separator: "\n\n")
    }

    /// The body of `POST /backend-api/f/conversation` for this request: `action: next`, a new
    /// conversation (no `conversation_id`), the prompt as one user message. History and training stay
    /// off unless the operator turned history on (`PROXYD_IMITATE_HISTORY=on`): an API client expects
    /// no trace of its requests in the account's sidebar. Ids are fresh UUIDv4s as the web app makes them;
    /// they are parameters for tests.
    package func conversationBody(historyEnabled: Bool, messageID: String = UUIDText.version4(),
                                  parentMessageID: String = UUIDText.version4()) -> [UInt8] {
        let message = "{\"id\":\(LocalResponse.jsonString(messageID)),\"author\":{\"role\":\"user\"},"
            + "\"content\":{\"content_type\":\"text\",\"parts\":[\(LocalResponse.jsonString(prompt))]},\"metadata\":{}}"
        var members: [(String, String)] = [
            ("action", LocalResponse.jsonString("next")),
            ("messages", "[" + message + "]"),
            ("parent_message_id", LocalResponse.jsonString(parentMessageID)),
        ]
        members += Self.turnMembers(model: webModel, historyEnabled: historyEnabled)
        if let thinkingEffort { members.append(("thinking_effort", LocalResponse.jsonString(thinkingEffort))) }
        return Self.object(members)
    }

    /// The body that continues an answer in `conversationID` after its last assistant message
    /// (chatgpt-web.md §5): no messages, the site goes on where it stopped.
    package static func continuationBody(conversationID: String, lastAssistantMessageID: String, model: String,
                                         historyEnabled: Bool) -> [UInt8] {
        let members: [(String, String)] = [
            ("action", LocalResponse.jsonString("continue")),
            ("conversation_id", LocalResponse.jsonString(conversationID)),
            ("parent_message_id", LocalResponse.jsonString(lastAssistantMessageID)),
        ]
        return object(members + turnMembers(model: model, historyEnabled: historyEnabled))
    }

    /// What both kinds of turn carry as the web app sends them; `supported_encodings: ["v1"]` asks
    /// for the delta stream, which costs the converter a message's text rather than the text per event.
    private static func turnMembers(model: String, historyEnabled: Bool) -> [(String, String)] {
        [
            ("model", LocalResponse.jsonString(model)),
            ("timezone_offset_min", String(-ChatGPTSite.timeZoneOffsetMinutes)),
            ("timezone", LocalResponse.jsonString(ChatGPTSite.timeZone)),
            ("history_and_training_disabled", historyEnabled ? "false" : "true"),
            ("conversation_mode", "{\"kind\":\"primary_assistant\"}"),
            ("system_hints", "[]"),
            ("supports_buffering", "true"),
            ("supported_encodings", "[\"v1\"]"),
        ]
    }

    private static func object(_ members: [(String, String)]) -> [UInt8] {
        Array(("{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}").utf8)
    }

}

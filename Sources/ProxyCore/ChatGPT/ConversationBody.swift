/// A client's conversation request body, read for what the handshake needs. Its bytes go upstream as
/// the client sent them; generation C adds one member when the client sent none.
struct ConversationBody {
    /// Conversation bodies are a turn's messages: a few KB, long pasted texts some hundreds. Read whole
    /// before the handshake (and held until it ends), so bounded here rather than by PROXYD_MAX_BODY_BYTES.
    static let maxBytes = 4 << 20

    /// The limit a turn's body is read under: this one, or PROXYD_MAX_BODY_BYTES when smaller.
    static func limit(_ configuration: Configuration) -> UInt64 {
        min(configuration.maxBodyBytes, UInt64(maxBytes))
    }

    let bytes: [UInt8]
    private let json: JSONValue

    /// Nil when the body is not one JSON object. Only its top-level members are kept (the messages are
    /// validated, not held as a tree).
    init?(_ bytes: [UInt8]) {
        guard let json = JSONObjectReader.shallowValue(bytes, keepDepth: 1), case .object = json else { return nil }
        self.bytes = bytes
        self.json = json
    }

    var conversationID: String? { json["conversation_id"]?.string }

    /// `/c/<id>`, the web app's page of a conversation being continued; nil for a new one, or an id
    /// that is not the site's kind (letters, digits, `-`, `_`) and would not belong in a Referer.
    var conversationPage: String? {
        guard let id = conversationID, !id.isEmpty, id.utf8.allSatisfy({ byte in
            byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
                || (byte >= 0x30 && byte <= 0x39)
        }) else { return nil }
        return "/c/" + id
    }

    /// The conversation call's body: with `"client_prepare_state":"success"` before the closing brace
    /// when the client sent no such member (generation C), else the client's bytes unchanged.
    func prepared(for generation: SentinelGeneration) -> [UInt8] {
        guard generation == .c2026, json["client_prepare_state"] == nil,
              let close = bytes.lastIndex(of: UInt8(ascii: "}")) else { return bytes }
        guard case .object(let members) = json else { return bytes }
        let member = (members.isEmpty ? "" : ",") + "\"client_prepare_state\":\"success\""
        return Array(bytes[..<close]) + Array(member.utf8) + Array(bytes[close...])
    }

    /// The conduit prepare call's body: the conversation's shape without its messages (chatgpt-web.md §1 step 2).
    func conduitPrepareBody() -> [UInt8] {
        var members: [(String, String)] = [
            ("action", LocalResponse.jsonString(json["action"]?.string ?? "next")),
        ]
        if let id = conversationID { members.append(("conversation_id", LocalResponse.jsonString(id))) }
        members += [
            ("parent_message_id", LocalResponse.jsonString(json["parent_message_id"]?.string ?? UUIDText.version4())),
            ("model", LocalResponse.jsonString(json["model"]?.string ?? "auto")),
            ("client_prepare_state", LocalResponse.jsonString("none")),
            ("timezone_offset_min", numberText("timezone_offset_min") ?? String(-ChatGPTSite.timeZoneOffsetMinutes)),
            ("timezone", LocalResponse.jsonString(json["timezone"]?.string ?? ChatGPTSite.timeZone)),
            ("conversation_mode", "{\"kind\":\"primary_assistant\"}"),
            ("system_hints", "[]"),
            ("supports_buffering", "true"),
            ("supported_encodings", "[\"v1\"]"),
        ]
        return Array(("{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}").utf8)
    }

    private func numberText(_ name: String) -> String? {
        if case .number(let text)? = json[name] { return text }
        return nil
    }

}

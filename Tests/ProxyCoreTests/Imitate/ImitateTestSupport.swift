@testable import ProxyCore

/// Test helpers for the Imitate converter: events from text, and JSON values written back as compact text.
enum ImitateText {
    static func event(_ data: String, name: String? = nil) -> SSEEvent {
        SSEEvent(name: name, data: Array(data.utf8))
    }

    /// Compact JSON with members in their order, for comparing documents as text.
    static func json(_ value: JSONValue?) -> String {
        guard let value else { return "nil" }
        switch value {
        case .object(let members):
            return "{" + members.map { "\"\(LocalResponse.jsonEscaped($0.name))\":\(json($0.value))" }
                .joined(separator: ",") + "}"
        case .array(let elements):
            return "[" + elements.map { json($0) }.joined(separator: ",") + "]"
        case .string(let text):
            return "\"\(LocalResponse.jsonEscaped(text))\""
        case .number(let text):
            return text
        case .bool(let flag):
            return flag ? "true" : "false"
        case .null:
            return "null"
        }
    }

    /// The bytes of all strings in a value: what a document holds of text.
    static func textBytes(_ value: JSONValue?) -> Int {
        guard let value else { return 0 }
        switch value {
        case .object(let members): return members.reduce(0) { $0 + $1.name.utf8.count + textBytes($1.value) }
        case .array(let elements): return elements.reduce(0) { $0 + textBytes($1) }
        case .string(let text): return text.utf8.count
        default: return 0
        }
    }

    static func message(id: String, role: String = "assistant", recipient: String = "all", channel: String? = nil,
                        type: String? = "next", text: String = "", finish: String? = nil) -> String {
        var metadata: [String] = []
        if let type { metadata.append("\"message_type\":\"\(type)\"") }
        if let finish { metadata.append("\"finish_details\":{\"type\":\"\(finish)\"}") }
        return "{\"id\":\"\(id)\",\"author\":{\"role\":\"\(role)\"},\"recipient\":\"\(recipient)\","
            + (channel.map { "\"channel\":\"\($0)\"," } ?? "")
            + "\"content\":{\"content_type\":\"text\",\"parts\":[\"\(LocalResponse.jsonEscaped(text))\"]},"
            + "\"status\":\"in_progress\",\"metadata\":{\(metadata.joined(separator: ","))}}"
    }

    static func document(_ message: String) -> String {
        "{\"message\":\(message),\"conversation_id\":\"conv-1\",\"error\":null}"
    }
}

import Foundation

/// The conversation's answer (chatgpt-web.md §4) in either format, as server-sent events cut into several
/// writes at places that fall inside events, lines and UTF-8 sequences, so a relay that reframes shows.
enum FakeChatGPTStream {
    static let writeCount = 7

    /// `delta` picks the v1 delta encoding (`supported_encodings: ["v1"]`); otherwise the full-message format.
    static func writes(prompt: String, parentID: String, delta: Bool) -> [[UInt8]] {
        let conversationID = UUID().uuidString.lowercased()
        let messageID = UUID().uuidString.lowercased()
        let pieces = ["Héllo", " — you said “", prompt, "”. ", "Streaming ✓ ", "done."]
        let events = delta
            ? deltaEvents(pieces: pieces, conversationID: conversationID, messageID: messageID, parentID: parentID)
            : fullEvents(pieces: pieces, conversationID: conversationID, messageID: messageID, parentID: parentID)
        return cut(Array((events.joined() + "data: [DONE]\n\n").utf8), into: writeCount)
    }

    private static func event(_ object: Any, name: String? = nil) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes,
                                                                                   .fragmentsAllowed])) ?? Data()
        return (name.map { "event: \($0)\n" } ?? "") + "data: " + String(decoding: data, as: UTF8.self) + "\n\n"
    }

    private static func message(id: String, parentID: String, text: String, finished: Bool) -> [String: Any] {
        var metadata: [String: Any] = ["message_type": "next", "model_slug": "gpt-5", "parent_id": parentID]
        if finished { metadata["finish_details"] = ["type": "stop", "stop_tokens": [200002]] }
        return [
            "id": id, "author": ["role": "assistant", "name": NSNull(), "metadata": [:] as [String: Any]],
            "create_time": 1_790_000_000.25, "content": ["content_type": "text", "parts": [text]],
            "status": finished ? "finished_successfully" : "in_progress", "end_turn": finished ? true : NSNull(),
            "weight": 1.0, "metadata": metadata, "recipient": "all", "channel": NSNull(),
        ]
    }

    private static func fullEvents(pieces: [String], conversationID: String, messageID: String, parentID: String) -> [String] {
        var text = ""
        var events: [String] = []
        for (index, piece) in pieces.enumerated() {
            text += piece
            let finished = index == pieces.count - 1
            events.append(event(["message": message(id: messageID, parentID: parentID, text: text, finished: finished),
                                 "conversation_id": conversationID, "error": NSNull()]))
        }
        events.append(event(["type": "title_generation", "title": "A fake greeting", "conversation_id": conversationID]))
        return events
    }

    private static func deltaEvents(pieces: [String], conversationID: String, messageID: String, parentID: String) -> [String] {
        var events = [event("v1", name: "delta_encoding")]
        events.append(event(["p": "", "o": "add", "c": 0,
                             "v": ["message": message(id: messageID, parentID: parentID, text: "", finished: false),
                                   "conversation_id": conversationID, "error": NSNull()]], name: "delta"))
        events.append(event(["p": "/message/content/parts/0", "o": "append", "v": pieces[0]], name: "delta"))
        for piece in pieces.dropFirst().dropLast() { events.append(event(["v": piece], name: "delta")) }
        events.append(event(["p": "", "o": "patch", "v": [
            ["p": "/message/content/parts/0", "o": "append", "v": pieces[pieces.count - 1]],
            ["p": "/message/status", "o": "replace", "v": "finished_successfully"],
            ["p": "/message/end_turn", "o": "replace", "v": true],
            ["p": "/message/metadata/finish_details", "o": "add", "v": ["type": "stop"]],
        ]], name: "delta"))
        events.append(event(["type": "message_stream_complete", "conversation_id": conversationID]))
        return events
    }

    /// Cuts at odd offsets: never on an event boundary by design, often inside a multi-byte character.
    private static func cut(_ bytes: [UInt8], into count: Int) -> [[UInt8]] {
        var writes: [[UInt8]] = []
        var start = 0
        for index in 1...count {
            let end = index == count ? bytes.count : min(bytes.count, bytes.count * index / count + 3)
            if end > start { writes.append(Array(bytes[start..<end])) }
            start = max(start, end)
        }
        return writes
    }
}

import Foundation

/// One scripted answer as the site would stream it: the ids decided when the request arrived, and the events
/// in order, made one at a time (a large answer is never held whole). The messages' own events come from
/// `FakeChatGPTDeltaWriter` or `FakeChatGPTFullWriter`.
struct FakeAnswerPlan {
    let script: FakeAnswerScript
    let conversationID: String
    let model: String
    /// `next`, or `continue` for a continuation segment.
    let messageType: String
    /// Per sent message: its id and its parent's (the previous message; the first one's the request's parent).
    let ids: [String]
    let parents: [String]
    /// The message that carries on the previous segment's text (same id, that text first), if any.
    let carried: (index: Int, text: String)?

    /// `carryOn`: the previous segment's last text message and its whole text, for a `sameMessage` continuation.
    init(script: FakeAnswerScript, conversationID: String, model: String, parentID: String, messageType: String,
         carryOn: (id: String, text: () -> String)? = nil) {
        self.script = script
        self.conversationID = conversationID
        self.model = model
        self.messageType = messageType
        var ids = script.sentMessages.map { _ in UUID().uuidString.lowercased() }
        var carried: (index: Int, text: String)?
        if let carryOn, script.continuation == .sameMessage, let first = script.sentMessages.firstIndex(where: { $0.kind == .text }) {
            ids[first] = carryOn.id
            carried = (first, carryOn.text())
        }
        self.ids = ids
        self.carried = carried
        parents = [parentID] + ids.dropLast()
    }

    var sentCount: Int { ids.count }

    /// The last text message for the user: what a continuation names as `parent_message_id`.
    var lastTextIndex: Int? { script.sentMessages.lastIndex { $0.kind == .text } }

    func prefix(of index: Int) -> String { carried?.index == index ? carried!.text : "" }

    /// Whether message `index` gets its finish, and which: the script's on the last, `stop` (turn not ended)
    /// before it; the last stays unfinished when the site errs.
    func finish(of index: Int) -> (type: String, endTurn: Bool)? {
        guard index == sentCount - 1, script.handoff == nil else { return ("stop", false) }
        if script.siteError != nil { return nil }
        return (script.finish.rawValue, script.finish == .stop)
    }

    /// The message as the site writes it, with `text` so far.
    func message(_ index: Int, text: String, finished: (type: String, endTurn: Bool)?, everyOperation: Bool) -> [String: Any] {
        let scripted = script.messages[index]
        var metadata: [String: Any] = ["message_type": messageType, "model_slug": model, "default_model_slug": model,
                                       "parent_id": parents[index]]
        if everyOperation {
            metadata["content_references"] = [] as [Any]
            metadata["ephemeral_marker"] = "removed by the stream"
        }
        if let finished { metadata["finish_details"] = Self.finishDetails(finished.type) }
        var role = "assistant", name: Any = NSNull(), recipient = "all", channel: Any = "final"
        var content: [String: Any] = ["content_type": "text", "parts": [text]]
        switch scripted.kind {
        case .text: break
        case .reasoning: channel = "analysis"
        case .toolCall(let to):
            recipient = to
            channel = "commentary"
            content = ["content_type": "code", "language": "unknown", "response_format_name": NSNull(), "text": text]
        case .toolResult(let tool):
            role = "tool"
            name = tool
            channel = NSNull()
            content = ["content_type": "execution_output", "text": text]
        }
        return [
            "id": ids[index], "author": ["role": role, "name": name, "metadata": [:] as [String: Any]],
            "create_time": 1_790_000_000.25 + Double(index), "update_time": NSNull(), "content": content,
            "status": finished == nil ? "in_progress" : "finished_successfully",
            "end_turn": finished.map { $0.endTurn as Any } ?? NSNull(), "weight": 1.0, "metadata": metadata,
            "recipient": recipient, "channel": channel,
        ]
    }

    static func finishDetails(_ type: String) -> [String: Any] {
        type == "stop" ? ["type": "stop", "stop_tokens": [200002]] : ["type": type]
    }

    func document(_ message: Any, error: Any = NSNull()) -> [String: Any] {
        ["message": message, "conversation_id": conversationID, "error": error]
    }

    // MARK: the events

    /// All events in order, `data: [DONE]` last (unless a handoff ends the stream without it).
    func events(format: FakeAnswerFormat) -> AnyIterator<String> {
        let extras = script.extras
        var parts: [() -> AnyIterator<String>] = []
        func one(_ make: @escaping @autoclosure () -> String) { parts.append { AnyIterator(CollectionOfOne(make()).makeIterator()) } }
        if format == .delta { one(Self.event("v1", name: "delta_encoding")) }
        if extras.contains(.resumeToken) {
            one(Self.event(["type": "resume_conversation_token", "kind": "topic", "conversation_id": conversationID,
                            "token": FakeChatGPTState.opaqueToken("eyJ", length: 48)]))
        }
        for index in 0..<sentCount {
            parts.append {
                format == .delta ? FakeChatGPTDeltaWriter(plan: self, index: index).events()
                    : FakeChatGPTFullWriter(plan: self, index: index).events()
            }
            if index == 0, extras.contains(.moderation) {
                one(Self.event(["type": "moderation", "conversation_id": conversationID, "message_id": ids[0],
                                "is_completion": true, "moderation_response": ["flagged": false, "blocked": false,
                                                                               "moderation_id": "modr-fake"]]))
            }
        }
        if let error = script.siteError {
            one(format == .delta ? Self.event(["p": "/error", "o": "replace", "v": error], name: "delta")
                : Self.event(document(NSNull(), error: error)))
        }
        if let handoff = script.handoff {
            one(Self.event(["type": "stream_handoff", "conversation_id": conversationID,
                            "options": [["type": "subscribe_ws_topic", "topic_id": handoff.topicID]]]))
            if handoff.thenDone { one("data: [DONE]\n\n") }
            return Self.chain(parts)
        }
        if extras.contains(.serverSTEMetadata) {
            one(Self.event(["type": "server_ste_metadata", "conversation_id": conversationID,
                            "metadata": ["model_slug": model, "conduit_prewarmed": true, "did_auto_switch_to_reasoning": false]]))
        }
        if extras.contains(.messageStreamComplete) {
            one(Self.event(["type": "message_stream_complete", "conversation_id": conversationID]))
        }
        if extras.contains(.titleGeneration) {
            one(Self.event(["type": "title_generation", "title": "A scripted answer", "conversation_id": conversationID]))
        }
        one("data: [DONE]\n\n")
        return Self.chain(parts)
    }

    /// The iterators one after the other, each made when the previous one is spent.
    static func chain(_ parts: [() -> AnyIterator<String>]) -> AnyIterator<String> {
        var remaining = parts[...]
        var current: AnyIterator<String>?
        return AnyIterator {
            while true {
                if let event = current?.next() { return event }
                guard let make = remaining.popFirst() else { return nil }
                current = make()
            }
        }
    }

    static func event(_ object: Any, name: String? = nil) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes,
                                                                                   .fragmentsAllowed])) ?? Data()
        return (name.map { "event: \($0)\n" } ?? "") + "data: " + String(decoding: data, as: UTF8.self) + "\n\n"
    }
}

/// A stream's writes, made as the handler asks for them: from a list, or from events grouped `eventsPerWrite`
/// at a time and each group cut in two at an odd place. Used on the handler's event loop only.
final class FakeWriteSource {
    private var events: AnyIterator<String>?
    private var fixed: [[UInt8]]
    private let eventsPerWrite: Int
    private let cut: Bool
    private var pending: [UInt8]?
    /// The pause after write N in milliseconds; nil: the knob.
    let delayMs: ((Int) -> Int)?
    /// Whether the fake keeps the written bytes in its records (not for a large, lazily made answer).
    let keepsBytes: Bool

    init(writes: [[UInt8]], delayMs: ((Int) -> Int)? = nil) {
        fixed = writes.reversed()
        eventsPerWrite = 1
        cut = false
        self.delayMs = delayMs
        keepsBytes = true
    }

    init(events: AnyIterator<String>, script: FakeAnswerScript) {
        self.events = events
        fixed = []
        eventsPerWrite = max(1, script.eventsPerWrite)
        cut = script.cutWrites
        delayMs = script.delayMs
        keepsBytes = !script.isLazy
    }

    func next() -> [UInt8]? {
        if let pending {
            self.pending = nil
            return pending
        }
        guard let events else { return fixed.popLast() }
        var bytes: [UInt8] = []
        for _ in 0..<eventsPerWrite {
            guard let event = events.next() else { break }
            bytes += Array(event.utf8)
        }
        guard !bytes.isEmpty else { return nil }
        guard cut, bytes.count > 2 else { return bytes }
        let at = bytes.count / 2 + 1
        pending = Array(bytes[at...])
        return Array(bytes[..<at])
    }

    /// Every write, for an answer small enough to record whole.
    func drain() -> [[UInt8]] {
        var writes: [[UInt8]] = []
        while let write = next() { writes.append(write) }
        return writes
    }
}

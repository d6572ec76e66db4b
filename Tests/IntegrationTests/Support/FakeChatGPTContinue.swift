import Foundation

/// A conversation the fake answered with a script: what an `action: continue` must name to go on with it.
struct FakeConversation {
    let account: String
    /// The knob's segments when the conversation began; later changes of the knob do not affect it.
    let segments: [FakeAnswerScript]
    /// The segment the next `continue` gets.
    var nextSegment = 1
    /// The last text message for the user: its id (the `parent_message_id` a continue must send) and whole text.
    var lastTextID: String?
    var lastText: () -> String = { "" }
}

extension FakeChatGPTKnobs {
    /// One scripted answer (the first segment); nil: the fake's default answer (FakeChatGPTStream).
    var answer: FakeAnswerScript? {
        get { segments.first }
        set { segments = newValue.map { [$0] } ?? [] }
    }
}

/// The scripted answers of the conversation step: `action: next` gets the first segment, each `action: continue`
/// the next one, after the fake checked that it names the conversation and its last assistant message.
extension FakeChatGPTState {
    /// `next` with the knob's segments set.
    mutating func scriptedAnswer(_ body: [String: Any], account: String, headers: [(String, String)]) -> FakeChatGPTAnswer {
        let conversationID = UUID().uuidString.lowercased()
        let segments = knobs.segments
        let plan = FakeAnswerPlan(script: segments[0], conversationID: conversationID, model: Self.model(of: body),
                                  parentID: body["parent_message_id"] as? String ?? "", messageType: "next")
        var conversation = FakeConversation(account: account, segments: segments)
        conversation.remember(plan)
        conversations[conversationID] = conversation
        return streamed(plan, body: body, headers: headers)
    }

    /// `continue`: no messages, a `conversation_id` of this account's, `parent_message_id` its last assistant
    /// message, and a segment left; otherwise refused as the site would (404, 400) with the reason recorded.
    mutating func continuation(_ body: [String: Any], account: String, headers: [(String, String)]) throws -> FakeChatGPTAnswer {
        if let messages = body["messages"] as? [Any], !messages.isEmpty {
            throw FakeChatGPTRefusal(status: 400, body: #"{"detail":"Invalid conversation request"}"#,
                                     reason: "an action continue carries \(messages.count) messages")
        }
        let id = body["conversation_id"] as? String ?? "missing"
        guard var conversation = conversations[id], conversation.account == account else {
            throw FakeChatGPTRefusal(status: 404, body: #"{"detail":"Conversation not found"}"#,
                                     reason: "continue of conversation_id \(id), which this account's answers never had")
        }
        let parent = body["parent_message_id"] as? String ?? "missing"
        guard parent == conversation.lastTextID else {
            throw FakeChatGPTRefusal(status: 400, body: #"{"detail":"Invalid parent_message_id"}"#,
                                     reason: "continue with parent_message_id \(parent), not the last assistant message \(conversation.lastTextID ?? "none")")
        }
        guard conversation.nextSegment < conversation.segments.count else {
            throw FakeChatGPTRefusal(status: 400, body: #"{"detail":"Nothing to continue"}"#,
                                     reason: "continue number \(conversation.nextSegment) but the script has \(conversation.segments.count - 1)")
        }
        let script = conversation.segments[conversation.nextSegment]
        conversation.nextSegment += 1
        let carryOn = conversation.lastTextID.map { (id: $0, text: conversation.lastText) }
        let plan = FakeAnswerPlan(script: script, conversationID: id, model: Self.model(of: body), parentID: parent,
                                  messageType: "continue", carryOn: carryOn)
        conversation.remember(plan)
        conversations[id] = conversation
        return streamed(plan, body: body, headers: headers)
    }

    /// The answer's writes: recorded whole for a small script, made as they are written for a large one.
    private func streamed(_ plan: FakeAnswerPlan, body: [String: Any], headers: [(String, String)]) -> FakeChatGPTAnswer {
        let source = FakeWriteSource(events: plan.events(format: format(of: body)), script: plan.script)
        var answer = FakeChatGPTAnswer(status: 200, headers: headers, writes: [], refusal: nil)
        answer.isStream = true
        if source.keepsBytes {
            answer.writes = source.drain()
            answer.delayMs = plan.script.delayMs
        } else {
            answer.source = source
        }
        return answer
    }

    /// The knob's format, else the request's: delta v1 when `supported_encodings` holds "v1".
    func format(of body: [String: Any]) -> FakeAnswerFormat {
        knobs.format ?? ((body["supported_encodings"] as? [String] ?? []).contains("v1") ? .delta : .full)
    }

    static func model(of body: [String: Any]) -> String { body["model"] as? String ?? "auto" }
}

private extension FakeConversation {
    mutating func remember(_ plan: FakeAnswerPlan) {
        guard let last = plan.lastTextIndex else { return }
        lastTextID = plan.ids[last]
        let message = plan.script.messages[last]
        let prefix = plan.prefix(of: last)
        lastText = { prefix + message.text }
    }
}

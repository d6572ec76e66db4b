/// Token counts for the usage chunk or the `usage` member; proxyd counts none itself, a caller that can count
/// exactly passes them (an invented count would be worse than none).
package struct CompletionUsage: Equatable {
    package var promptTokens: Int
    package var completionTokens: Int

    var json: String {
        "{\"prompt_tokens\":\(promptTokens),\"completion_tokens\":\(completionTokens),"
            + "\"total_tokens\":\(promptTokens + completionTokens)}"
    }
}

/// Writes `CompletionConverter`'s decisions as OpenAI's `chat.completion.chunk` server-sent events. The id,
/// `created` and model name are the request's: one fresh id per request, the real time, the name the client asked for.
package struct CompletionChunkWriter {
    /// The chunk's fixed opening, escaped once rather than per delta.
    private let head: String

    package init(id: String, created: Int, model: String) {
        head = "data: {\"id\":\"\(LocalResponse.jsonEscaped(id))\",\"object\":\"chat.completion.chunk\","
            + "\"created\":\(created),\"model\":\"\(LocalResponse.jsonEscaped(model))\","
    }

    /// One event as `data: {…}\n\n`; `role` on the stream's first delta, where OpenAI clients read it.
    package func chunk(_ event: CompletionEvent, role: Bool = false) -> [UInt8] {
        let delta: String
        var finish = "null"
        switch event {
        case .content(let text):
            delta = (role ? "\"role\":\"assistant\"," : "") + "\"content\":\"\(LocalResponse.jsonEscaped(text))\""
        case .reasoning(let text):
            delta = (role ? "\"role\":\"assistant\"," : "")
                + "\"reasoning_content\":\"\(LocalResponse.jsonEscaped(text))\""
        case .finish(let reason):
            delta = role ? "\"role\":\"assistant\"" : ""
            finish = "\"\(reason.rawValue)\""
        }
        return Array((head + "\"choices\":[{\"index\":0,\"delta\":{\(delta)},\"finish_reason\":\(finish)}]}\n\n").utf8)
    }

    /// With `stream_options.include_usage`: the chunk after the finish, with no choices and the counts.
    package func usageChunk(_ usage: CompletionUsage) -> [UInt8] {
        Array((head + "\"choices\":[],\"usage\":\(usage.json)}\n\n").utf8)
    }

    /// The stream's last event.
    package static let done = Array("data: [DONE]\n\n".utf8)
}

/// The answer not streamed: the deltas gathered into one `chat.completion` object. It holds the whole text, which
/// is what that answer is.
package struct CompletionAccumulator {
    package private(set) var content = ""
    package private(set) var reasoning = ""
    package private(set) var finish: CompletionFinish?

    package init() {}

    package mutating func add(_ event: CompletionEvent) {
        switch event {
        case .content(let text): content += text
        case .reasoning(let text): reasoning += text
        case .finish(let reason): finish = reason
        }
    }

    /// `{"id","object":"chat.completion","created","model","choices":[…],"usage"?}`; `usage` only when counted.
    package func completion(id: String, created: Int, model: String, usage: CompletionUsage? = nil) -> [UInt8] {
        var message = "{\"role\":\"assistant\",\"content\":\"\(LocalResponse.jsonEscaped(content))\""
        if !reasoning.isEmpty { message += ",\"reasoning_content\":\"\(LocalResponse.jsonEscaped(reasoning))\"" }
        message += "}"
        var text = "{\"id\":\"\(LocalResponse.jsonEscaped(id))\",\"object\":\"chat.completion\",\"created\":\(created),"
            + "\"model\":\"\(LocalResponse.jsonEscaped(model))\",\"choices\":[{\"index\":0,\"message\":\(message),"
            + "\"finish_reason\":\"\((finish ?? .stop).rawValue)\"}]"
        if let usage { text += ",\"usage\":\(usage.json)" }
        return Array((text + "}").utf8)
    }
}

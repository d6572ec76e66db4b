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
    private let head: [UInt8]

    package init(id: String, created: Int, model: String) {
        head = Array(("data: {\"id\":\(LocalResponse.jsonString(id)),\"object\":\"chat.completion.chunk\","
            + "\"created\":\(created),\"model\":\(LocalResponse.jsonString(model)),").utf8)
    }

    /// One event as `data: {…}\n\n`; `role` on the stream's first delta, where OpenAI clients read it.
    package func chunk(_ event: CompletionEvent, role: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        write(event, role: role, into: &out)
        return out
    }

    /// `chunk`, appended to `out` piece by piece: a delta costs its escaped text and no other String.
    package func write(_ event: CompletionEvent, role: Bool, into out: inout [UInt8]) {
        out += head
        out += #""choices":[{"index":0,"delta":{"#.utf8
        if role { out += #""role":"assistant""#.utf8 }
        switch event {
        case .content(let text):
            out += (role ? #","content":"# : #""content":"#).utf8
            out += LocalResponse.jsonString(text).utf8
            out += #"},"finish_reason":null}]}"#.utf8
        case .reasoning(let text):
            out += (role ? #","reasoning_content":"# : #""reasoning_content":"#).utf8
            out += LocalResponse.jsonString(text).utf8
            out += #"},"finish_reason":null}]}"#.utf8
        case .finish(let reason):
            out += #"},"finish_reason":""#.utf8
            out += reason.rawValue.utf8
            out += #""}]}"#.utf8
        }
        out += "\n\n".utf8
    }

    /// With `stream_options.include_usage`: the chunk after the finish, with no choices and the counts.
    package func usageChunk(_ usage: CompletionUsage) -> [UInt8] {
        head + Array("\"choices\":[],\"usage\":\(usage.json)}\n\n".utf8)
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

/// A chat completions request of /imitate/v1, parsed and checked against what one ChatGPT web turn can
/// honour. Whatever the web cannot do is refused with a 400 naming the field rather than dropped: a
/// client that asks for `temperature: 0.2` or tools and silently gets neither would trust a wrong answer.
package struct ImitateRequest: Equatable, Sendable {
    package enum Role: String, Sendable {
        case system, developer, user, assistant
    }

    /// One message with its text parts joined.
    package struct Message: Equatable, Sendable {
        package var role: Role
        package var text: String

        package init(role: Role, text: String) {
            self.role = role
            self.text = text
        }
    }

    package var messages: [Message]
    /// The name the client asked for, as the answer's `model` repeats it.
    package var model: String
    /// The slug the conversation body names (`ImitateModels.webModel`).
    package var webModel: String
    package var stream: Bool
    /// `stream_options.include_usage`.
    package var includeUsage: Bool
    /// `max_completion_tokens`, else `max_tokens`: the answer is cut there with finish `length`.
    package var maxTokens: Int?
    /// Up to four strings; the answer is cut before the first one with finish `stop`.
    package var stop: [String]
    /// `reasoning_effort` as the web's `thinking_effort`.
    package var thinkingEffort: String?

    /// Parses the body. Fields the web has no use for and that change nothing in the answer are
    /// ignored: `seed` (the web has no sampling seed), `logit_bias`, `user`, `metadata`, `store`,
    /// `service_tier`, `parallel_tool_calls` (meaningless without tools), `name` on a message. So are
    /// members the API does not know, as most OpenAI-compatible servers do.
    package init(_ bytes: [UInt8]) throws(ImitateError) {
        guard let body = JSONObjectReader.value(bytes), case .object = body else {
            throw .invalid("The body must be a JSON object.", param: nil, code: "invalid_json")
        }
        messages = try Self.messages(body["messages"])

        switch present(body["model"]) {
        case nil: model = ImitateModels.defaultModel
        case .string(let name)?: model = name.isEmpty ? ImitateModels.defaultModel : name
        default: throw Self.invalidType("model", "a string")
        }
        webModel = ImitateModels.webModel(model)

        stream = try Self.bool(body["stream"], "stream") ?? false
        switch present(body["stream_options"]) {
        case nil: includeUsage = false
        case let options? where options.isObject:
            includeUsage = try Self.bool(options["include_usage"], "stream_options.include_usage") ?? false
        default: throw Self.invalidType("stream_options", "an object")
        }

        // Both are checked; `max_completion_tokens`, the newer name, wins when both are sent.
        let completionTokens = try Self.positiveInt(body["max_completion_tokens"], "max_completion_tokens")
        let legacyTokens = try Self.positiveInt(body["max_tokens"], "max_tokens")
        maxTokens = completionTokens ?? legacyTokens
        stop = try Self.stop(body["stop"])

        switch present(body["reasoning_effort"]) {
        case nil: thinkingEffort = nil
        case .string(let effort)?:
            guard let web = ImitateModels.thinkingEffort(effort) else {
                let known = ImitateModels.thinkingEfforts.map { "'\($0.reasoning)'" }.joined(separator: ", ")
                throw .invalid("Unsupported value: 'reasoning_effort' must be one of \(known).",
                               param: "reasoning_effort", code: "unsupported_value")
            }
            thinkingEffort = web
        default: throw Self.invalidType("reasoning_effort", "a string")
        }

        try Self.refuseUnlessDefault(body)
    }

    // MARK: messages

    private static func messages(_ value: JSONValue?) throws(ImitateError) -> [Message] {
        guard let value = present(value) else {
            throw .invalid("Missing required parameter: 'messages'.", param: "messages",
                           code: "missing_required_parameter")
        }
        guard case .array(let elements) = value else { throw invalidType("messages", "an array") }
        guard !elements.isEmpty else {
            throw .invalid("'messages' must hold at least one message.", param: "messages", code: "empty_array")
        }
        var messages: [Message] = []
        for (index, element) in elements.enumerated() {
            messages.append(try message(element, "messages[\(index)]"))
        }
        // The web turn is a user's message: an answer cannot be made to continue an assistant's text.
        guard messages.last(where: { $0.role == .user || $0.role == .assistant })?.role == .user else {
            throw .invalid("The last message other than system or developer must be a user message on this route.",
                           param: "messages", code: "invalid_value")
        }
        return messages
    }

    private static func message(_ value: JSONValue, _ param: String) throws(ImitateError) -> Message {
        guard value.isObject else { throw invalidType(param, "an object") }
        guard case .string(let name)? = value["role"] else {
            throw .invalid("Missing required parameter: '\(param).role'.", param: "\(param).role",
                           code: "missing_required_parameter")
        }
        guard let role = Role(rawValue: name) else {
            let why = name == "tool" || name == "function"
                ? "tool and function messages are not supported on this route (ChatGPT web runs no client tools)"
                : "the role must be one of 'system', 'developer', 'user', 'assistant'"
            throw .invalid("Invalid value '\(name)' for '\(param).role': \(why).", param: "\(param).role",
                           code: "invalid_value")
        }
        for field in ["tool_calls", "function_call", "audio"] where present(value[field]) != nil {
            throw .invalid("'\(param).\(field)' is not supported on this route.", param: "\(param).\(field)",
                           code: "unsupported_parameter")
        }
        return Message(role: role, text: try content(value["content"], role: role, "\(param).content"))
    }

    /// A string, or text parts joined with a newline (the API does not say how parts join; a newline
    /// keeps two parts from running into one word).
    private static func content(_ value: JSONValue?, role: Role, _ param: String) throws(ImitateError) -> String {
        switch present(value) {
        case .string(let text)?:
            return text
        case nil where role == .assistant:
            // An assistant message of the API may carry no content (its tool calls are refused above).
            return ""
        case nil:
            throw .invalid("Missing required parameter: '\(param)'.", param: param, code: "missing_required_parameter")
        case .array(let parts)?:
            var texts: [String] = []
            for (index, part) in parts.enumerated() {
                texts.append(try text(part, "\(param)[\(index)]"))
            }
            return texts.joined(separator: "\n")
        default:
            throw invalidType(param, "a string or an array of text parts")
        }
    }

    private static func text(_ part: JSONValue, _ param: String) throws(ImitateError) -> String {
        guard case .string(let type)? = part["type"] else {
            throw .invalid("Missing required parameter: '\(param).type'.", param: "\(param).type",
                           code: "missing_required_parameter")
        }
        switch type {
        case "text", "input_text":
            guard case .string(let text)? = part["text"] else { throw invalidType("\(param).text", "a string") }
            return text
        case "image_url", "input_image":
            throw .invalid("Images are not supported on /imitate/v1/chat/completions: a ChatGPT web turn made "
                               + "here carries text only.", param: "\(param).type", code: "unsupported_value")
        default:
            throw .invalid("Content parts of type '\(type)' are not supported on this route: only 'text'.",
                           param: "\(param).type", code: "unsupported_value")
        }
    }

    // MARK: options

    private static func bool(_ value: JSONValue?, _ param: String) throws(ImitateError) -> Bool? {
        switch present(value) {
        case nil: return nil
        case .bool(let flag)?: return flag
        default: throw invalidType(param, "a boolean")
        }
    }

    /// Whole numbers only, as the API's integer fields: `10.0` and `1e3` are refused like `-1`.
    private static func positiveInt(_ value: JSONValue?, _ param: String) throws(ImitateError) -> Int? {
        switch present(value) {
        case nil: return nil
        case .number(let text)?:
            guard let count = Int(text), count > 0 else {
                throw .invalid("Invalid value for '\(param)': expected a positive integer, got \(text).",
                               param: param, code: "invalid_value")
            }
            return count
        default: throw invalidType(param, "an integer")
        }
    }

    private static func stop(_ value: JSONValue?) throws(ImitateError) -> [String] {
        switch present(value) {
        case nil: return []
        case .string(let text)?: return try checkedStops([text])
        case .array(let elements)?:
            guard elements.count <= 4 else {
                throw .invalid("'stop' holds at most 4 sequences.", param: "stop", code: "invalid_value")
            }
            var texts: [String] = []
            for element in elements {
                guard case .string(let text) = element else { throw invalidType("stop", "a string or strings") }
                texts.append(text)
            }
            return try checkedStops(texts)
        default: throw invalidType("stop", "a string or an array of strings")
        }
    }

    /// A stop string is held back from the client until it cannot be one: 1 KB each keeps that small.
    private static func checkedStops(_ stops: [String]) throws(ImitateError) -> [String] {
        guard stops.allSatisfy({ $0.utf8.count <= 1024 }) else {
            throw .invalid("Each 'stop' sequence may be at most 1024 bytes on this route.", param: "stop",
                           code: "invalid_value")
        }
        return stops
    }

    /// The fields a ChatGPT web turn cannot honour, each with the test for the value that asks for
    /// nothing beyond what the web does (an SDK or front-end that sends the defaults explicitly must work).
    private static let defaultOnly: [(field: String, isDefault: @Sendable (JSONValue) -> Bool, expected: String)] = [
        ("temperature", { $0.number == 1 }, "1"),
        ("top_p", { $0.number == 1 }, "1"),
        ("n", { $0.number == 1 }, "1"),
        ("presence_penalty", { $0.number == 0 }, "0"),
        ("frequency_penalty", { $0.number == 0 }, "0"),
        ("logprobs", { $0.bool == false }, "false"),
        ("top_logprobs", { $0.number == 0 }, "0"),
        ("tools", { $0.isEmptyArray }, "absent or empty"),
        ("functions", { $0.isEmptyArray }, "absent or empty"),
        ("tool_choice", { $0.string == "none" }, "'none'"),
        ("function_call", { $0.string == "none" }, "'none'"),
        ("response_format", { $0["type"]?.string == "text" }, "{\"type\":\"text\"}"),
        ("modalities", { ImitateRequest.isTextOnly($0) }, "[\"text\"]"),
        ("audio", { _ in false }, "absent"),
        ("prediction", { _ in false }, "absent"),
    ]

    private static func refuseUnlessDefault(_ body: JSONValue) throws(ImitateError) {
        for rule in defaultOnly {
            guard let value = present(body[rule.field]), !rule.isDefault(value) else { continue }
            throw .invalid("Unsupported parameter: '\(rule.field)' must be \(rule.expected) on this route "
                               + "(ChatGPT web cannot honour it).", param: rule.field, code: "unsupported_parameter")
        }
    }

    private static func isTextOnly(_ value: JSONValue) -> Bool {
        guard case .array(let elements) = value else { return false }
        return elements.allSatisfy { $0.string == "text" }
    }

    private static func invalidType(_ param: String, _ expected: String) -> ImitateError {
        .invalid("Invalid type for '\(param)': expected \(expected).", param: param, code: "invalid_type")
    }
}

/// `null` counts as absent: several clients send every field, the unused ones as null.
private func present(_ value: JSONValue?) -> JSONValue? {
    if case .null? = value { return nil }
    return value
}

import Foundation

/// The test's own reader of the site's answer stream (chatgpt-web.md §4), written from the spec and sharing no
/// code with proxyd: it applies delta v1 operations to a plain `[String: Any]` document (copying freely, so for
/// small answers only) and keeps every message's last state, what operations it met and which other events came.
/// The fake's self-tests read its streams with it, so the scripts are known to mean what they say.
struct FakeAnswerReader {
    struct ReadError: Error, CustomStringConvertible { let description: String }

    /// Message ids in order of first appearance, and each message's last state.
    private(set) var order: [String] = []
    private(set) var messages: [String: [String: Any]] = [:]
    private(set) var document: [String: Any]?
    /// Operation names seen (`add`, `patch`, …, plus `shorthand`, `numbered shorthand`, `array append`,
    /// `start by add`, `start by v`).
    private(set) var operations: Set<String> = []
    /// Document numbers in order of their start.
    private(set) var documentNumbers: [Int] = []
    /// `type` of the events without a message, in order.
    private(set) var eventTypes: [String] = []
    private(set) var deltaEncoding = false
    private(set) var done = false
    private(set) var siteErrors: [String] = []
    private(set) var conversationID: String?
    private var lastPath: [String]?
    private var lastOperation: String?

    /// Reads a whole stream.
    init(_ text: String) throws {
        for block in text.components(separatedBy: "\n\n") where !block.isEmpty {
            let lines = block.split(separator: "\n", omittingEmptySubsequences: false)
            let name = lines.first { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
            let data = lines.filter { $0.hasPrefix("data: ") }.map { $0.dropFirst(6) }.joined(separator: "\n")
            try read(name: name, data: data)
        }
    }

    private mutating func read(name: String?, data: String) throws {
        guard !done else { throw ReadError(description: "an event after [DONE]: \(data.prefix(80))") }
        if data == "[DONE]" { done = true; return }
        let value = try JSONSerialization.jsonObject(with: Data(data.utf8), options: [.fragmentsAllowed])
        if name == "delta_encoding" { deltaEncoding = value as? String == "v1"; return }
        guard let object = value as? [String: Any] else { throw ReadError(description: "not an object: \(data.prefix(80))") }
        if let type = object["type"] as? String { eventTypes.append(type); return }
        if object["p"] == nil, object["o"] == nil, object["v"] == nil {
            if let error = object["error"] as? String { siteErrors.append(error) }
            if object["message"] is [String: Any] { document = object; noteMessage() }
            return
        }
        try operation(object)
        noteMessage()
    }

    private mutating func operation(_ object: [String: Any]) throws {
        let value = object["v"]
        if let number = object["c"] as? Int, object["p"] == nil || object["p"] as? String == "",
           let start = value as? [String: Any], start["message"] != nil {
            operations.insert(object["p"] == nil ? "start by v" : "start by add")
            documentNumbers.append(number)
            document = start
            lastPath = []; lastOperation = "add"
            return
        }
        let path: [String]
        if let pointer = object["p"] as? String {
            path = pointer.isEmpty ? [] : pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
            lastOperation = object["o"] as? String ?? lastOperation
        } else {
            guard let previous = lastPath else { throw ReadError(description: "a shorthand before any operation") }
            path = previous
            operations.insert(object["c"] == nil ? "shorthand" : "numbered shorthand")
        }
        lastPath = path
        guard let name = lastOperation, let current = document else { throw ReadError(description: "no document") }
        var root: Any = current
        try Self.apply(name, path: path, value: value, to: &root, seen: &operations)
        document = root as? [String: Any]
    }

    private static func apply(_ name: String, path: [String], value: Any?, to root: inout Any,
                              seen: inout Set<String>) throws {
        seen.insert(name)
        if name == "patch" {
            for item in value as? [[String: Any]] ?? [] {
                let pointer = item["p"] as? String ?? ""
                let itemPath = pointer.isEmpty ? [] : pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
                try apply(item["o"] as? String ?? "", path: itemPath, value: item["v"], to: &root, seen: &seen)
            }
            return
        }
        guard !path.isEmpty else { root = value as Any; return }
        root = try edit(root, path[...]) { current in
            switch name {
            case "add", "replace": return value
            case "remove": return nil
            case "append":
                if let text = current as? String, let more = value as? String { return text + more }
                if let array = current as? [Any] {
                    seen.insert("array append")
                    return array + ((value as? [Any]) ?? [value as Any])
                }
                guard current == nil else { throw ReadError(description: "append onto \(String(describing: current))") }
                return value
            case "truncate":
                let length = value as? Int ?? 0
                if let text = current as? String { return String(decoding: Array(text.utf16.prefix(length)), as: UTF16.self) }
                if let array = current as? [Any] { return Array(array.prefix(length)) }
                throw ReadError(description: "truncate of \(String(describing: current))")
            default: throw ReadError(description: "unknown operation \(name)")
            }
        }
    }

    /// The value at `path` replaced by what `change` makes of it (nil removes it).
    private static func edit(_ node: Any, _ path: ArraySlice<String>, _ change: (Any?) throws -> Any?) throws -> Any {
        let key = path.first!
        let rest = path.dropFirst()
        if var object = node as? [String: Any] {
            object[key] = rest.isEmpty ? try change(object[key])
                : try edit(object[key] ?? { throw ReadError(description: "no member \(key)") }(), rest, change)
            return object
        }
        guard var array = node as? [Any] else { throw ReadError(description: "\(key) looked up in a scalar") }
        let index = key == "-" ? array.count : Int(key) ?? -1
        guard index >= 0, index <= array.count else { throw ReadError(description: "no index \(key)") }
        let current: Any? = index < array.count ? array[index] : nil
        let new: Any? = rest.isEmpty ? try change(current) : try edit(current as Any, rest, change)
        if let new { if index < array.count { array[index] = new } else { array.append(new) } } else { array.remove(at: index) }
        return array
    }

    private mutating func noteMessage() {
        if let id = document?["conversation_id"] as? String { conversationID = id }
        if let error = document?["error"] as? String, siteErrors.last != error { siteErrors.append(error) }
        guard let message = document?["message"] as? [String: Any], let id = message["id"] as? String else { return }
        if messages[id] == nil { order.append(id) }
        messages[id] = message
    }

    // MARK: what a test asks

    var orderedMessages: [[String: Any]] { order.compactMap { messages[$0] } }

    static func text(of message: [String: Any]) -> String {
        let content = message["content"] as? [String: Any]
        return (content?["parts"] as? [Any])?.first as? String ?? content?["text"] as? String ?? ""
    }

    static func role(of message: [String: Any]) -> String? { (message["author"] as? [String: Any])?["role"] as? String }

    private func visible(analysis: Bool) -> String {
        orderedMessages.filter {
            Self.role(of: $0) == "assistant" && $0["recipient"] as? String == "all"
                && ($0["channel"] as? String == "analysis") == analysis
        }.map(Self.text).joined()
    }

    /// The text for the user, and the reasoning, as an OpenAI client should see them.
    var content: String { visible(analysis: false) }
    var reasoning: String { visible(analysis: true) }

    /// `finish_details.type` of the last message.
    var finish: String? {
        ((orderedMessages.last?["metadata"] as? [String: Any])?["finish_details"] as? [String: Any])?["type"] as? String
    }
}

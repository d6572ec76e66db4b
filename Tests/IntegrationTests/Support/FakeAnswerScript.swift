import Foundation

/// A scripted answer of the fake chatgpt.com (chatgpt-web.md §4): the messages the site streams for one
/// conversation request, in order, each with its text in pieces, and how the stream ends. The writers
/// (FakeChatGPTDeltaWriter.swift, FakeChatGPTFullWriter.swift) turn it into events in either format.
///
/// Set it with `fake.configure { $0.answer = .text(["Hel", "lo"]) }`, or several segments with
/// `$0.segments = [first, continued, …]`: the first answers `action: next`, each following one an
/// `action: continue` (FakeChatGPTContinue.swift).
struct FakeAnswerScript {
    var messages: [FakeAnswerMessage]
    /// The finish of the last message sent: `stop`, or `max_tokens` (which a client may continue).
    var finish: FakeAnswerFinish = .stop
    /// A `stream_handoff` event after `afterMessages` messages; the rest is never sent on this stream.
    var handoff: FakeAnswerHandoff?
    /// The site's error in the stream (the document's `error`), after the messages; the last one stays unfinished.
    var siteError: String?
    /// The events that carry no message (FakeAnswerExtras); none by default.
    var extras: FakeAnswerExtras = []
    /// Delta v1 only: besides `append` and the `{"v": …}` shorthand, each text message also goes through
    /// `truncate` (its tail cut and written again, identically), `remove`, `replace`, `add`, an `append` onto
    /// an array, a numbered shorthand `{"v": …, "c": N}`, and alternating ways to start a document.
    var everyOperation = false
    /// Events per write; each write is then cut in two at an odd place (inside an event, often inside a
    /// UTF-8 sequence) unless `cutWrites` is false.
    var eventsPerWrite = 1
    var cutWrites = true
    /// The pause after write N (from 0) in milliseconds; nil: the knob `streamDelayMs`, read at each write.
    var delayMs: ((Int) -> Int)?
    /// How a continuation segment (`action: continue`) carries on the previous segment's last text message.
    var continuation: FakeContinuationStyle = .sameMessage

    init(messages: [FakeAnswerMessage], finish: FakeAnswerFinish = .stop) {
        self.messages = messages
        self.finish = finish
    }

    /// One assistant message for the user.
    static func text(_ pieces: [String], finish: FakeAnswerFinish = .stop) -> FakeAnswerScript {
        FakeAnswerScript(messages: [.text(pieces)], finish: finish)
    }

    /// The text an OpenAI client should end up with: the user-visible messages' pieces, in order.
    var content: String { messages.filter { $0.kind == .text }.map(\.text).joined() }
    /// The reasoning (`channel: analysis`) an OpenAI client should get as `reasoning_content`.
    var reasoning: String { messages.filter { $0.kind == .reasoning }.map(\.text).joined() }
    /// True when some message generates its pieces (a large answer): never materialised whole.
    var isLazy: Bool { messages.contains { if case .generated = $0.pieces { true } else { false } } }

    /// Messages actually sent: those before the handoff.
    var sentMessages: ArraySlice<FakeAnswerMessage> { messages.prefix(handoff?.afterMessages ?? messages.count) }
}

enum FakeAnswerFinish: String {
    case stop
    case maxTokens = "max_tokens"
}

enum FakeAnswerFormat {
    /// `supported_encodings: ["v1"]`: `event: delta_encoding` then operations.
    case delta
    /// Every line the whole document.
    case full
}

/// How the first text message of a continuation segment relates to the text before it.
enum FakeContinuationStyle {
    /// The same message id, its text the previous text followed by the new pieces (what the site does).
    case sameMessage
    /// A new message id with only the new pieces.
    case newMessage
}

struct FakeAnswerHandoff {
    var topicID = "conversation-topic-" + UUID().uuidString.lowercased()
    var afterMessages = 0
    /// `data: [DONE]` after the handoff event (the stream simply ends otherwise).
    var thenDone = false
}

/// The non-message events of the stream.
struct FakeAnswerExtras: OptionSet {
    let rawValue: Int
    static let resumeToken = FakeAnswerExtras(rawValue: 1)
    static let moderation = FakeAnswerExtras(rawValue: 2)
    static let serverSTEMetadata = FakeAnswerExtras(rawValue: 4)
    static let messageStreamComplete = FakeAnswerExtras(rawValue: 8)
    static let titleGeneration = FakeAnswerExtras(rawValue: 16)
    static let all: FakeAnswerExtras = [.resumeToken, .moderation, .serverSTEMetadata, .messageStreamComplete, .titleGeneration]
}

/// One message of a scripted answer.
struct FakeAnswerMessage {
    enum Kind: Equatable {
        /// `author.role` assistant, `recipient` all, channel `final`: text for the user.
        case text
        /// `author.role` assistant, `recipient` all, `channel: analysis`.
        case reasoning
        /// `author.role` assistant to a tool (`recipient`), `content_type: code` (the text in `content.text`).
        case toolCall(recipient: String)
        /// `author.role` tool (named), `content_type: execution_output`, `recipient` all.
        case toolResult(name: String)
    }

    enum Pieces {
        case list([String])
        /// `count` pieces, piece N made when it is written.
        case generated(count: Int, piece: (Int) -> String)
    }

    var kind: Kind
    var pieces: Pieces

    static func text(_ pieces: [String]) -> FakeAnswerMessage { FakeAnswerMessage(kind: .text, pieces: .list(pieces)) }
    static func reasoning(_ pieces: [String]) -> FakeAnswerMessage { FakeAnswerMessage(kind: .reasoning, pieces: .list(pieces)) }
    static func toolCall(_ pieces: [String], recipient: String = "python") -> FakeAnswerMessage {
        FakeAnswerMessage(kind: .toolCall(recipient: recipient), pieces: .list(pieces))
    }
    static func toolResult(_ pieces: [String], name: String = "python") -> FakeAnswerMessage {
        FakeAnswerMessage(kind: .toolResult(name: name), pieces: .list(pieces))
    }

    /// A text message of `count` pieces made on demand (`piece(N)`), for answers too large to hold twice.
    static func generated(count: Int, piece: @escaping (Int) -> String) -> FakeAnswerMessage {
        FakeAnswerMessage(kind: .text, pieces: .generated(count: count, piece: piece))
    }

    var pieceCount: Int {
        switch pieces {
        case .list(let list): list.count
        case .generated(let count, _): count
        }
    }

    func piece(_ index: Int) -> String {
        switch pieces {
        case .list(let list): list[index]
        case .generated(_, let make): make(index)
        }
    }

    /// All pieces joined (made again for a generated message).
    var text: String { (0..<pieceCount).map(piece).joined() }

    /// Whose text the content holds, and where: `parts[0]` or, for code and tool output, `text`.
    var textPath: String { usesParts ? "/message/content/parts/0" : "/message/content/text" }
    var usesParts: Bool { kind == .text || kind == .reasoning }
}

/// Ready-made scripts the tests share.
extension FakeAnswerScript {
    /// Reasoning, a tool call, its result and text for the user, interleaved, with non-ASCII in every kind.
    static let interleaved: FakeAnswerScript = {
        var script = FakeAnswerScript(messages: [
            .reasoning(["The user wants ", "a sum; ", "I’ll compute it."]),
            .toolCall(["print(", "17 + 25", ")"]),
            .toolResult(["42\n"]),
            .text(["The sum ", "is **42** ", "— checked ✓."]),
            .reasoning(["Double-checking: ", "17+25=42."]),
            .text([" Anything else?"]),
        ])
        script.extras = .all
        return script
    }()

    /// Two text messages and a reasoning one, every delta operation used, every extra event sent.
    static let everyOperation: FakeAnswerScript = {
        var script = FakeAnswerScript(messages: [
            .text(["Ünïcode ", "piece ", "by ", "piece; ", "emoji 🧪 ", "stays whole."]),
            .reasoning(["thinking ", "about ", "it"]),
            .toolCall(["x = 1"]),
            .text([" Second ", "message ", "here.", " End."]),
        ])
        script.everyOperation = true
        script.extras = .all
        return script
    }()

    /// About `bytes` of text in pieces of `pieceBytes` ASCII bytes, made as they are written; 64 events per write.
    static func large(bytes: Int, pieceBytes: Int = 64) -> FakeAnswerScript {
        let count = max(1, bytes / pieceBytes)
        var script = FakeAnswerScript(messages: [.generated(count: count) { FakeAnswerScript.largePiece($0, bytes: pieceBytes) }])
        script.eventsPerWrite = 64
        script.cutWrites = false
        script.delayMs = { _ in 1 }
        return script
    }

    /// Piece `index` of a large answer: its number, then filler, `bytes` long, ending with a newline.
    static func largePiece(_ index: Int, bytes: Int) -> String {
        let head = String(index) + " "
        return head + String(repeating: "x", count: max(0, bytes - head.utf8.count - 1)) + "\n"
    }
}

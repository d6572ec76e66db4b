import Foundation

/// One message of a scripted answer in delta encoding v1 (chatgpt-web.md §4): a new numbered document, its text
/// appended piece by piece (the first explicitly, the rest as the `{"v": …}` shorthand), and a `patch` with the
/// last piece and the finish. With `everyOperation`, the other operations come in between without changing what
/// a reader ends up with: `truncate` of the last piece followed by the same piece appended again, `append` onto
/// an array, `remove`, `replace`, `add`, and the numbered shorthand `{"v": …, "c": N}`.
struct FakeChatGPTDeltaWriter {
    let plan: FakeAnswerPlan
    let index: Int

    private var message: FakeAnswerMessage { plan.script.messages[index] }
    private var everyOperation: Bool { plan.script.everyOperation }
    private var number: Int { index }

    private static func op(_ path: String, _ operation: String, _ value: Any) -> [String: Any] {
        ["p": path, "o": operation, "v": value]
    }

    private static func delta(_ object: Any) -> String { FakeAnswerPlan.event(object, name: "delta") }

    /// The shorthand lines carry no event name: the spec allows data lines with or without `event: delta`.
    private static func shorthand(_ text: String, number: Int? = nil) -> String {
        var object: [String: Any] = ["v": text]
        if let number { object["c"] = number }
        return FakeAnswerPlan.event(object)
    }

    func events() -> AnyIterator<String> {
        let message = message
        let count = message.pieceCount
        let finished = plan.finish(of: index)
        let path = message.textPath
        let rewrites = everyOperation && message.usesParts && count >= 4
        var step = 0  // 0: the start; 1...count: piece step-1; then the finish
        var queue: [String] = []
        return AnyIterator {
            while queue.isEmpty {
                defer { step += 1 }
                if step == 0 {
                    queue.append(start())
                } else if step <= count {
                    let piece = step - 1
                    // The last piece goes with the finish's patch when there is one.
                    if piece == count - 1, finished != nil { continue }
                    if piece == 0 || (rewrites && piece == 2) {
                        queue.append(Self.delta(Self.op(path, "append", message.piece(piece))))
                    } else if rewrites && piece == 3 {
                        queue.append(Self.shorthand(message.piece(piece), number: number))
                    } else {
                        queue.append(Self.shorthand(message.piece(piece)))
                    }
                    if rewrites && piece == 1 { queue += otherOperations(sentBefore: message.piece(0) + message.piece(1)) }
                } else if step == count + 1, let finished {
                    queue.append(finish(finished, lastPiece: count > 0 ? message.piece(count - 1) : nil))
                } else {
                    return nil
                }
            }
            return queue.removeFirst()
        }
    }

    /// `{"p": "", "o": "add", "v": doc, "c": N}` for the first message (and every other one with `everyOperation`),
    /// `{"v": doc, "c": N}` otherwise.
    private func start() -> String {
        let document = plan.document(plan.message(index, text: plan.prefix(of: index), finished: nil,
                                                  everyOperation: everyOperation))
        let explicit = everyOperation ? index % 2 == 0 : index == 0
        return explicit ? Self.delta(["p": "", "o": "add", "v": document, "c": number])
            : Self.delta(["v": document, "c": number])
    }

    /// After pieces 0 and 1: piece 1 cut off (`truncate`, in UTF-16 units as the site counts) and appended again,
    /// then an `append` onto an array, a `remove`, a `replace` and an `add`; the next piece is an explicit append.
    private func otherOperations(sentBefore: String) -> [String] {
        let message = message
        let full = plan.prefix(of: index) + sentBefore
        let tail = message.piece(1)
        return [
            Self.delta(Self.op(message.textPath, "truncate", full.utf16.count - tail.utf16.count)),
            Self.delta(Self.op(message.textPath, "append", tail)),
            Self.delta(Self.op("/message/metadata/content_references", "append",
                               ["type": "hidden", "matched_text": "", "start_idx": 0, "end_idx": 0] as [String: Any])),
            Self.delta(Self.op("/message/metadata/ephemeral_marker", "remove", NSNull())),
            Self.delta(Self.op("/message/status", "replace", "in_progress")),
            Self.delta(Self.op("/message/metadata/citations", "add", [] as [Any])),
        ]
    }

    private func finish(_ finished: (type: String, endTurn: Bool), lastPiece: String?) -> String {
        var operations: [[String: Any]] = []
        if let lastPiece { operations.append(Self.op(message.textPath, "append", lastPiece)) }
        operations.append(Self.op("/message/status", "replace", "finished_successfully"))
        operations.append(Self.op("/message/end_turn", "replace", finished.endTurn))
        operations.append(Self.op("/message/metadata/finish_details", "add", FakeAnswerPlan.finishDetails(finished.type)))
        return Self.delta(Self.op("", "patch", operations))
    }
}

/// One message of a scripted answer in the full-message format: per piece, the whole document with the text so
/// far; the last one finished (unless the site errs after it).
struct FakeChatGPTFullWriter {
    let plan: FakeAnswerPlan
    let index: Int

    func events() -> AnyIterator<String> {
        let plan = plan
        let index = index
        let message = plan.script.messages[index]
        let count = message.pieceCount
        let finished = plan.finish(of: index)
        var text = plan.prefix(of: index)
        var piece = 0
        var done = false
        return AnyIterator {
            guard !done else { return nil }
            if piece < count { text += message.piece(piece) }
            piece += 1
            let last = piece >= count
            if last { done = true }
            let document = plan.document(plan.message(index, text: text, finished: last ? finished : nil,
                                                      everyOperation: false))
            return FakeAnswerPlan.event(document)
        }
    }
}

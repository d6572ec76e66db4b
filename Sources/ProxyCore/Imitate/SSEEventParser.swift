/// One `text/event-stream` event: its `event:` name (nil when none was given) and its `data:` lines joined with LF.
package struct SSEEvent: Equatable {
    package var name: String?
    package var data: [UInt8]

    package init(name: String?, data: [UInt8]) {
        self.name = name
        self.data = data
    }
}

package enum SSEParseError: Error, Equatable, CustomStringConvertible {
    /// One event (or one line of it) grew past the limit: the upstream is not sending what a chat answer looks like.
    case eventTooLarge(limit: Int)

    package var description: String {
        switch self {
        case .eventTooLarge(let limit): return "an event of the answer's stream is larger than \(limit) bytes"
        }
    }
}

/// An incremental `text/event-stream` parser (the WHATWG rules): fed reads as they come, split anywhere, it yields
/// the complete events. Lines end in LF, CRLF or CR (a CR at the end of one read and an LF at the start of the next
/// are one line end); comments (`:` lines), `id:` and `retry:` are ignored. What it holds is bounded by
/// `maxEventBytes`, so an upstream that never ends an event cannot grow it without limit.
package struct SSEEventParser {
    package let maxEventBytes: Int

    /// The current line, not yet ended.
    private var line: [UInt8] = []
    /// The current event's data lines, each followed by LF (the last LF is dropped when the event is dispatched).
    private var data: [UInt8] = []
    private var hasData = false
    private var name: String?
    /// The last read ended in CR: an LF opening the next read belongs to that line end.
    private var afterCR = false
    /// How much of a UTF-8 byte order mark opened the stream so far (it is not part of the first line, and may
    /// come split over reads); nil once the stream is past its start.
    private var byteOrderMark: Int? = 0
    private static let byteOrderMarkBytes: [UInt8] = [0xEF, 0xBB, 0xBF]

    package init(maxEventBytes: Int = 4 << 20) {
        self.maxEventBytes = maxEventBytes
    }

    /// The events completed by these bytes, in order.
    package mutating func feed<Bytes: Collection>(_ bytes: Bytes) throws(SSEParseError) -> [SSEEvent] where Bytes.Element == UInt8 {
        var events: [SSEEvent] = []
        var index = bytes.startIndex
        while let matched = byteOrderMark, index != bytes.endIndex {
            if bytes[index] == Self.byteOrderMarkBytes[matched] {
                index = bytes.index(after: index)
                byteOrderMark = matched + 1 == Self.byteOrderMarkBytes.count ? nil : matched + 1
            } else {
                // No mark after all: what looked like its start is text of the first line.
                line.append(contentsOf: Self.byteOrderMarkBytes[..<matched])
                byteOrderMark = nil
            }
        }
        while index != bytes.endIndex {
            if afterCR {
                afterCR = false
                if bytes[index] == 0x0A {
                    index = bytes.index(after: index)
                    continue
                }
            }
            // Copy a whole run up to the next line end at once rather than byte by byte.
            let end = bytes[index...].firstIndex { $0 == 0x0A || $0 == 0x0D } ?? bytes.endIndex
            if end != index {
                guard line.count + data.count + bytes.distance(from: index, to: end) <= maxEventBytes else {
                    throw SSEParseError.eventTooLarge(limit: maxEventBytes)
                }
                line.append(contentsOf: bytes[index..<end])
            }
            guard end != bytes.endIndex else { break }
            afterCR = bytes[end] == 0x0D
            index = bytes.index(after: end)
            if let event = endLine() { events.append(event) }
        }
        return events
    }

    /// At the end of the stream: the event not yet ended by a blank line, if any. The WHATWG rules drop it; a
    /// chat answer cut right after its last `data:` line still has that line worth reading, so it is kept.
    package mutating func finish() -> SSEEvent? {
        if !line.isEmpty { _ = endLine() }
        return endLine()
    }

    /// One line ended: a field of the current event, or (empty) the event's end.
    private mutating func endLine() -> SSEEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        guard !line.isEmpty else { return dispatch() }
        if line[0] == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        var valueStart = colon == line.endIndex ? colon : colon + 1
        if valueStart < line.endIndex, line[valueStart] == 0x20 { valueStart += 1 }
        let field = line[..<colon]
        if field.elementsEqual("data".utf8) {
            data.append(contentsOf: line[valueStart...])
            data.append(0x0A)
            hasData = true
        } else if field.elementsEqual("event".utf8) {
            name = String(decoding: line[valueStart...], as: UTF8.self)
        }
        return nil
    }

    /// An event without data lines is no event (WHATWG); its name is forgotten either way.
    private mutating func dispatch() -> SSEEvent? {
        defer {
            name = nil
            hasData = false
            data = []
        }
        guard hasData else { return nil }
        data.removeLast()  // the newline after the last data line; the buffer itself goes to the event
        return SSEEvent(name: name, data: data)
    }
}

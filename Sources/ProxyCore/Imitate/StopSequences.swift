/// The client's `stop` strings over answer text that arrives in pieces: text goes on to the client
/// only once no stop string can begin in it, so a stop split across two deltas is still found and the
/// client never sees any of it. It holds back at most the longest stop string's length, less one byte.
package struct StopSequences {
    private let stops: [[UInt8]]
    /// The text's tail that could be the start of a stop string.
    private var held: [UInt8] = []

    package init(_ stops: [String]) {
        self.stops = stops.map { Array($0.utf8) }.filter { !$0.isEmpty }
    }

    /// The text that can go out now, and whether a stop string was found (the answer ends before it).
    package mutating func pass(_ text: String) -> (text: String, stopped: Bool) {
        guard !stops.isEmpty else { return (text, false) }
        held += text.utf8
        if let cut = firstStop(in: held) {
            defer { held = [] }
            return (String(decoding: held[..<cut], as: UTF8.self), true)
        }
        let sent = held.count - longestOpenStop(endingAt: held)
        // The kept tail starts where a stop string starts, on a character's first byte: the split is clean.
        defer { held.removeFirst(sent) }
        return (String(decoding: held[..<sent], as: UTF8.self), false)
    }

    /// The answer ended without a stop string: what was held back goes out.
    package mutating func flush() -> String {
        defer { held = [] }
        return String(decoding: held, as: UTF8.self)
    }

    private func firstStop(in bytes: [UInt8]) -> Int? {
        var first: Int?
        for stop in stops where stop.count <= bytes.count {
            for start in 0...(bytes.count - stop.count) where first.map({ start < $0 }) ?? true {
                if bytes[start] == stop[0] && bytes[start..<(start + stop.count)].elementsEqual(stop) {
                    first = start
                    break
                }
            }
        }
        return first
    }

    /// The length of the longest end of `bytes` that is the beginning of a stop string (never all of one:
    /// a whole one was found by `firstStop`).
    private func longestOpenStop(endingAt bytes: [UInt8]) -> Int {
        var longest = 0
        for stop in stops {
            var length = min(stop.count - 1, bytes.count)
            while length > longest {
                if bytes[(bytes.count - length)...].elementsEqual(stop[..<length]) {
                    longest = length
                    break
                }
                length -= 1
            }
        }
        return longest
    }
}

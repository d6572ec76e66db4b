/// The request headers a browser sends, as an ordered table of slots: the browser's identity headers
/// with their fixed values, and the places where it would put the headers that carry the client's
/// meaning (content-type, accept, cookie, ...). Upstream requests are written by walking the slots, so
/// the header order is the browser's and the identity is the profile's whatever the client sent.
package struct HeaderPlan {
    struct Name {
        /// Lowercase, as HTTP/2 sends it.
        let http2: String
        /// As the browser spells it on HTTP/1.1; nil when it sends the header only on HTTP/2.
        let http1: String?

        init(_ name: String, http2Only: Bool = false) {
            http2 = name
            http1 = http2Only ? nil : Self.http1Spelling(name)
        }

        /// Browsers capitalise each word on HTTP/1.1, except Chromium's client hints (`sec-ch-*`).
        private static func http1Spelling(_ name: String) -> String {
            if name.hasPrefix("sec-ch-") { return name }
            var startOfWord = true
            return String(name.map { character -> Character in
                defer { startOfWord = character == "-" }
                return startOfWord ? Character(character.uppercased()) : character
            })
        }
    }

    enum Slot {
        /// An identity header: always this value; the client's own one is dropped.
        case fixed(Name, String)
        /// The client's fields of this name, here; `default` when it sent none (nil: nothing).
        case client(Name, default: String?)
        /// Always `browser`, what the browser sends; the client's accept-encoding is dropped (a
        /// different one would give the profile away). The client's field still decides what it
        /// gets: a response in a coding it did not accept (no field accepts none) is decoded on the
        /// way (`ContentHandling`, `ContentDecoder`), one it accepted passes untouched.
        case acceptEncoding(browser: String)
        /// Every client field no other slot takes (authorization, openai-*, ...), in the client's order.
        case otherClientFields
        /// The upstream's own origin, as a same-origin page's script sends it: on every method but GET
        /// and HEAD. The client's field is dropped: its page (often localhost) is not the upstream's.
        case pageOrigin(Name)
        /// The upstream's root URL, the page that a same-origin script runs on; the client's is dropped.
        case pageReferer(Name)
    }

    let slots: [Slot]
    /// The names this plan places, lowercase, by length, each with its placement: made once with the plan,
    /// so placing a field compares it with the one or two names of its length instead of with every slot
    /// (which was 17 % of a request's instructions; RESULTS.md, issue 13).
    private let namesByLength: [[(name: [UInt8], placement: Placement)]]

    /// Where a client field goes.
    enum Placement: Equatable {
        /// Dropped: it would contradict the profile's identity, even when the profile sends no header of that
        /// name (a Firefox profile sends no `sec-ch-ua`, so a client's must go).
        case identity
        /// Into this slot of `slots`.
        case slot(Int)
        /// Among the other client fields (`otherClientFields`).
        case other
    }

    init(_ slots: [Slot]) {
        self.slots = slots
        var placements: [(name: String, placement: Placement)] = Self.identityNames.map { ($0, .identity) }
        for (index, slot) in slots.enumerated() {
            switch slot {
            case .fixed(let name, _), .pageOrigin(let name), .pageReferer(let name):
                placements.insert((name.http2, .identity), at: 0)  // identity names come before any slot's
            case .client(let name, _):
                placements.append((name.http2, .slot(index)))
            case .acceptEncoding:
                placements.append(("accept-encoding", .slot(index)))
            case .otherClientFields:
                break
            }
        }
        var table = [[(name: [UInt8], placement: Placement)]](
            repeating: [], count: (placements.map(\.name.utf8.count).max() ?? 0) + 1)
        for (name, placement) in placements where !table[name.utf8.count].contains(where: { $0.name.elementsEqual(name.utf8) }) {
            table[name.utf8.count].append((Array(name.utf8), placement))
        }
        namesByLength = table
    }

    func placement(of field: HTTPField) -> Placement {
        // On the name's bytes in place: comparing through the String's UTF-8 view was most of this function.
        field.name.utf8.withContiguousStorageIfAvailable { placement(ofName: $0) } ?? placement(ofName: Array(field.name.utf8))
    }

    private func placement(ofName name: some RandomAccessCollection<UInt8>) -> Placement {
        if name.first.map({ $0 | 0x20 }) == UInt8(ascii: "s"),
           name.starts(with: "sec-ch-".utf8, by: Self.sameLetter) || name.starts(with: "sec-fetch-".utf8, by: Self.sameLetter) {
            return .identity
        }
        guard name.count < namesByLength.count else { return .other }
        for entry in namesByLength[name.count] where name.elementsEqual(entry.name, by: Self.sameLetter) {
            return entry.placement
        }
        return .other
    }

    private static let identityNames = ["user-agent", "accept-language", "upgrade-insecure-requests", "priority", "dnt"]

    /// Names are tokens, so setting the 0x20 bit folds case and changes nothing else that matters.
    private static func sameLetter(_ a: UInt8, _ lowercase: UInt8) -> Bool { a | 0x20 == lowercase }

    /// The value of an identity header the plan always sends (the profile's user-agent, for the sentinel's
    /// config array, which must repeat it exactly).
    func fixedValue(of lowercasedName: String) -> String? {
        for case .fixed(let name, let value) in slots where name.http2 == lowercasedName { return value }
        return nil
    }
}

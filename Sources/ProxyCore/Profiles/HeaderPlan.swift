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

    init(_ slots: [Slot]) {
        self.slots = slots
    }

    /// Client fields that would contradict the profile's identity: dropped even when the profile
    /// sends no header of that name (a Firefox profile sends no `sec-ch-ua`, so a client's must go).
    func isIdentityField(_ field: HTTPField) -> Bool {
        let name = field.name.utf8
        if name.starts(with: "sec-ch-".utf8, by: Self.sameLetter) || name.starts(with: "sec-fetch-".utf8, by: Self.sameLetter) {
            return true
        }
        for identity in Self.identityNames where field.hasName(identity) { return true }
        for slot in slots {
            switch slot {
            case .fixed(let name, _), .pageOrigin(let name), .pageReferer(let name):
                if field.hasName(name.http2) { return true }
            case .client, .acceptEncoding, .otherClientFields:
                continue
            }
        }
        return false
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

    /// The slot that places a client field, or nil for `otherClientFields`.
    func slotIndex(of field: HTTPField) -> Int? {
        for (index, slot) in slots.enumerated() {
            switch slot {
            case .client(let name, _) where field.hasName(name.http2):
                return index
            case .acceptEncoding where field.hasName("accept-encoding"):
                return index
            default:
                continue
            }
        }
        return nil
    }
}

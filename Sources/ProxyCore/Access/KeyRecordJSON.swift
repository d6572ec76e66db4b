/// A record as one line of the keys file: a flat JSON object, members absent where a limit is unlimited,
/// e.g. `{"id":"k_3fA9xQ2b","name":"alice","sha256":"…","rpm":60,"burst":10,"routes":["chatgpt"],
/// "disabled":false,"created":"2026-05-01T12:00:00Z"}`.
extension KeyRecord {
    /// The members, in the order `jsonLine` writes them.
    enum Member: String, CaseIterable {
        case id, name, sha256, rpm, burst, concurrency, daily, routes, cidrs, expires, disabled, created
    }

    private static let texts: [Member: WritableKeyPath<KeyRecordFields, String?>] = [
        .id: \.id, .name: \.name, .sha256: \.sha256, .expires: \.expires, .created: \.created,
    ]
    private static let numbers: [Member: WritableKeyPath<KeyRecordFields, String?>] = [
        .rpm: \.rpm, .burst: \.burst, .concurrency: \.concurrency, .daily: \.daily,
    ]
    private static let lists: [Member: WritableKeyPath<KeyRecordFields, [String]?>] = [.routes: \.routes, .cidrs: \.cidrs]

    /// Unknown and repeated members are refused: a misspelt `"rmp"` would otherwise leave a key unlimited
    /// without a word, and of two `"disabled"` members a reader could take either.
    init(jsonLine bytes: [UInt8]) throws(KeysFileProblem) {
        guard let value = JSONObjectReader.value(bytes) else { throw KeysFileProblem("not valid JSON") }
        guard case .object(let members) = value else { throw KeysFileProblem("expected a JSON object {...}") }
        var fields = KeyRecordFields()
        var seen: Set<Member> = []
        for (name, value) in members {
            guard let member = Member(rawValue: name) else {
                let known = Member.allCases.map(\.rawValue).joined(separator: ", ")
                throw KeysFileProblem("unknown member \(jsonQuoted(name)) (known: \(known))")
            }
            guard seen.insert(member).inserted else { throw KeysFileProblem("\(name): given twice") }
            if let path = Self.texts[member] {
                guard let text = value.string else { throw KeysFileProblem("\(name): expected a string") }
                fields[keyPath: path] = text
            } else if let path = Self.numbers[member] {
                guard case .number(let text) = value else { throw KeysFileProblem("\(name): expected a number") }
                fields[keyPath: path] = text
            } else if let path = Self.lists[member] {
                guard case .array(let elements) = value, elements.allSatisfy({ $0.string != nil }) else {
                    throw KeysFileProblem("\(name): expected an array of strings")
                }
                fields[keyPath: path] = elements.compactMap(\.string)
            } else {
                guard let flag = value.bool else { throw KeysFileProblem("\(name): expected true or false") }
                fields.disabled = flag
            }
        }
        self = try fields.record()
    }

    /// The line `init(jsonLine:)` reads back as this record, without its newline.
    package var jsonLine: String {
        var out: [UInt8] = []
        func member(_ member: Member) {
            out.append(out.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            BrowserJSON.appendString(member.rawValue, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        func strings(_ texts: [String]) {
            out.append(UInt8(ascii: "["))
            for (index, text) in texts.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                BrowserJSON.appendString(text, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        member(.id)
        BrowserJSON.appendString(id, to: &out)
        member(.name)
        BrowserJSON.appendString(name, to: &out)
        member(.sha256)
        BrowserJSON.appendString(digest.hex, to: &out)
        // A burst of 0 is the default, and left out.
        let numbers: [(Member, Int?)] = [(.rpm, limits.requestsPerMinute), (.burst, limits.burst > 0 ? limits.burst : nil),
                                         (.concurrency, limits.concurrentStreams), (.daily, limits.requestsPerDay)]
        for case let (name, number?) in numbers {
            member(name)
            BrowserJSON.appendInteger(number, to: &out)
        }
        if routes != .all {
            member(.routes)
            strings(routes.names)
        }
        if let cidrs {
            member(.cidrs)
            strings(cidrs.map(\.description))
        }
        if let expires {
            member(.expires)
            BrowserJSON.appendString(UTCTimestamp.text(expires), to: &out)
        }
        member(.disabled)
        out += Array((disabled ? "true" : "false").utf8)
        member(.created)
        BrowserJSON.appendString(UTCTimestamp.text(created), to: &out)
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}

/// Why an operation of the answer's delta stream could not be applied.
package struct DeltaError: Error, Equatable, CustomStringConvertible {
    package let description: String

    package init(_ description: String) { self.description = description }
}

/// In-place edits of a `JSONValue` at a JSON Pointer (RFC 6901), the operations of ChatGPT web's delta encoding v1.
/// Each edit moves the container it descends into out of the tree before changing it, so that its storage is
/// referenced once and the change is made in place: an answer of a megabyte arriving in thousands of appends costs
/// the appends, not a copy of the text so far for each of them.
extension JSONValue {
    /// The reference tokens of a pointer: `""` is the root, otherwise `/`-separated with `~1` for `/`, `~0` for `~`.
    package static func pointerTokens(_ pointer: String) throws(DeltaError) -> [String] {
        guard !pointer.isEmpty else { return [] }
        guard pointer.hasPrefix("/") else { throw DeltaError("the path \"\(pointer)\" is no JSON Pointer") }
        return try pointer.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .map(unescapedToken)
    }

    /// `~1` is `/` and `~0` is `~`; a `~` followed by anything else is no pointer.
    private static func unescapedToken(_ bytes: Substring.UTF8View) throws(DeltaError) -> String {
        guard bytes.contains(UInt8(ascii: "~")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        var escaped = false
        for byte in bytes {
            if escaped {
                switch byte {
                case UInt8(ascii: "0"): out.append(UInt8(ascii: "~"))
                case UInt8(ascii: "1"): out.append(UInt8(ascii: "/"))
                default: throw DeltaError("a JSON Pointer with a stray \"~\"")
                }
                escaped = false
            } else if byte == UInt8(ascii: "~") {
                escaped = true
            } else {
                out.append(byte)
            }
        }
        guard !escaped else { throw DeltaError("a JSON Pointer with a stray \"~\"") }
        return String(decoding: out, as: UTF8.self)
    }

    /// Sets the value at `path` (`add` and `replace`): an object's member is replaced or added, an array's element
    /// replaced, or appended when the index is the array's length or `-`.
    package mutating func set(_ value: JSONValue, at path: ArraySlice<String>) throws(DeltaError) {
        guard let last = path.last else {
            self = value
            return
        }
        try edit(path.dropLast()) { (parent: inout JSONValue) throws(DeltaError) in
            if case .object(var members) = parent {
                parent = .null
                if let index = members.lastIndex(where: { $0.name == last }) {
                    members[index].value = value
                } else {
                    members.append((last, value))
                }
                parent = .object(members)
            } else if case .array(var elements) = parent {
                parent = .null
                defer { parent = .array(elements) }
                let index = try last == "-" ? elements.count : Self.arrayIndex(last, count: elements.count + 1)
                if index == elements.count { elements.append(value) } else { elements[index] = value }
            } else {
                throw DeltaError("\"\(last)\" is set in a value that is no object or array")
            }
        }
    }

    /// `append`: a string is extended by a string; an array by the elements of an array, or by one other value;
    /// an object takes the members of an object (the site sends `metadata` additions this way). Appending to a
    /// member that does not exist yet sets it.
    package mutating func append(_ value: JSONValue, at path: ArraySlice<String>) throws(DeltaError) {
        if !path.isEmpty, !contains(path) { return try set(value, at: path) }
        try edit(path) { (target: inout JSONValue) throws(DeltaError) in
            if case .string(var text) = target, case .string(let more) = value {
                target = .null
                text += more
                target = .string(text)
            } else if case .array(var elements) = target {
                target = .null
                if case .array(let more) = value { elements += more } else { elements.append(value) }
                target = .array(elements)
            } else if case .object(var members) = target, case .object(let more) = value {
                target = .null
                for member in more {
                    if let index = members.lastIndex(where: { $0.name == member.name }) {
                        members[index].value = member.value
                    } else {
                        members.append(member)
                    }
                }
                target = .object(members)
            } else {
                throw DeltaError("append of a value that does not fit the value at \(Self.pointer(path))")
            }
        }
    }

    /// `truncate`: a string cut to `length` UTF-16 units (the site counts as JavaScript does), an array to `length`
    /// elements; a longer length leaves the value as it is.
    package mutating func truncate(to length: Int, at path: ArraySlice<String>) throws(DeltaError) {
        guard length >= 0 else { throw DeltaError("truncate to a negative length at \(Self.pointer(path))") }
        try edit(path) { (target: inout JSONValue) throws(DeltaError) in
            if case .string(let text) = target {
                guard length < text.utf16.count else { return }
                // Whole scalars only: a cut inside a surrogate pair keeps neither half.
                var units = 0
                var end = text.unicodeScalars.startIndex
                for scalar in text.unicodeScalars {
                    units += scalar.utf16.count
                    guard units <= length else { break }
                    end = text.unicodeScalars.index(after: end)
                }
                target = .string(String(text.unicodeScalars[..<end]))
            } else if case .array(var elements) = target {
                target = .null
                if length < elements.count { elements.removeLast(elements.count - length) }
                target = .array(elements)
            } else {
                throw DeltaError("truncate of a value that is no string or array at \(Self.pointer(path))")
            }
        }
    }

    /// `remove`: the member or element at `path` goes; a missing member is no error (the result is the same).
    package mutating func remove(at path: ArraySlice<String>) throws(DeltaError) {
        guard let last = path.last else {
            self = .null
            return
        }
        try edit(path.dropLast()) { (parent: inout JSONValue) throws(DeltaError) in
            if case .object(var members) = parent {
                parent = .null
                members.removeAll { $0.name == last }
                parent = .object(members)
            } else if case .array(var elements) = parent {
                parent = .null
                defer { parent = .array(elements) }
                elements.remove(at: try Self.arrayIndex(last, count: elements.count))
            } else {
                throw DeltaError("remove in a value that is no object or array at \(Self.pointer(path))")
            }
        }
    }

    /// Whether `path` names an existing value.
    package func contains(_ path: ArraySlice<String>) -> Bool {
        var value = self
        for token in path {
            if case .array(let elements) = value {
                guard let index = Int(token), index >= 0, index < elements.count else { return false }
                value = elements[index]
            } else {
                guard let member = value[token] else { return false }
                value = member
            }
        }
        return true
    }

    /// Runs `body` on the value at `path`, which must exist. The containers on the way are moved out of the tree
    /// while `body` runs (see the type's comment) and put back afterwards, also when `body` throws. `if case`, not
    /// `switch`: a `switch` on the value copied the payload in debug builds (measured: 20,000 appends to one string
    /// took seconds instead of milliseconds).
    private mutating func edit(_ path: ArraySlice<String>, _ body: (inout JSONValue) throws(DeltaError) -> Void) throws(DeltaError) {
        guard let token = path.first else { return try body(&self) }
        if case .object(var members) = self {
            self = .null
            defer { self = .object(members) }
            guard let index = members.lastIndex(where: { $0.name == token }) else {
                throw DeltaError("no member \"\(token)\" on the way to \(Self.pointer(path))")
            }
            try members[index].value.edit(path.dropFirst(), body)
        } else if case .array(var elements) = self {
            self = .null
            defer { self = .array(elements) }
            let index = try Self.arrayIndex(token, count: elements.count)
            try elements[index].edit(path.dropFirst(), body)
        } else {
            throw DeltaError("\"\(token)\" is looked up in a value that is no object or array")
        }
    }

    private static func arrayIndex(_ token: String, count: Int) throws(DeltaError) -> Int {
        // RFC 6901: no sign and no leading zeros.
        guard let index = Int(token), index >= 0, index < count, token == String(index) else {
            throw DeltaError("\"\(token)\" is no index of an array of \(count)")
        }
        return index
    }

    private static func pointer(_ path: ArraySlice<String>) -> String {
        path.isEmpty ? "the root" : "/" + path.joined(separator: "/")
    }
}

/// What a client's Accept-Encoding fields allow (RFC 9110 section 12.5.3), asked one coding at a time
/// by scanning the field values, so a request costs no parsed copy of them.
///
/// One departure from the RFC: a request without Accept-Encoding accepts no coding but identity.
/// The RFC allows any coding then, but such clients (curl without --compressed, most scripts) do not
/// decode, and before proxyd impersonated browsers upstreams sent them plain bodies.
enum AcceptEncoding {
    /// Whether the client accepts the content coding `coding` (a token as a Content-Encoding lists it).
    static func accepts(_ coding: UnsafeRawBufferPointer, in fields: [HTTPField]) -> Bool {
        let coding = canonical(coding)
        let isIdentity = HTTPSyntax.equalsLowercase(coding, "identity")
        var listed: Bool?
        var star: Bool?
        for field in fields where field.hasName("accept-encoding") {
            HTTPSyntax.forEachListElement(field.value) { element in
                guard let (name, acceptable) = parse(element) else { return true }
                if HTTPSyntax.equalsIgnoringCase(canonical(name), coding) {
                    // Listed twice with different weights: a refusal wins, so the client never gets
                    // bytes it said it cannot read.
                    listed = (listed ?? true) && acceptable
                } else if name.count == 1 && name[0] == UInt8(ascii: "*") {
                    star = (star ?? true) && acceptable
                }
                return true
            }
        }
        if let listed { return listed }
        // `*` covers every coding not listed, identity included; identity is otherwise always
        // acceptable unless refused.
        if let star { return star }
        return isIdentity
    }

    /// An element's coding and whether its weight is above zero; nil when the element is empty or
    /// malformed (it is then ignored, as if not listed).
    private static func parse(_ element: UnsafeRawBufferPointer) -> (UnsafeRawBufferPointer, Bool)? {
        var end = 0
        while end < element.count && element[end] != UInt8(ascii: ";") { end += 1 }
        let name = HTTPSyntax.trimmed(UnsafeRawBufferPointer(rebasing: element[0..<end]))
        guard HTTPSyntax.isToken(name) else { return nil }
        var acceptable = true
        var start = end + 1
        while start <= element.count {
            var stop = start
            while stop < element.count && element[stop] != UInt8(ascii: ";") { stop += 1 }
            let parameter = HTTPSyntax.trimmed(UnsafeRawBufferPointer(rebasing: element[start..<stop]))
            if parameter.count >= 2 && HTTPSyntax.foldCase(parameter[0]) == UInt8(ascii: "q")
                && parameter[1] == UInt8(ascii: "=") {
                guard let positive = weightIsPositive(UnsafeRawBufferPointer(rebasing: parameter[2...])) else {
                    return nil
                }
                acceptable = positive
            }
            start = stop + 1
        }
        return (name, acceptable)
    }

    /// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ); nil when it is not one.
    private static func weightIsPositive(_ q: UnsafeRawBufferPointer) -> Bool? {
        guard let first = q.first, first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return nil }
        if q.count == 1 { return first == UInt8(ascii: "1") }
        guard q[1] == UInt8(ascii: "."), q.count <= 5 else { return nil }
        var positive = first == UInt8(ascii: "1")
        for digit in q[2...] {
            guard digit >= UInt8(ascii: "0") && digit <= UInt8(ascii: "9") else { return nil }
            if digit != UInt8(ascii: "0") {
                guard first == UInt8(ascii: "0") else { return nil }  // above 1
                positive = true
            }
        }
        return positive
    }


    /// `x-gzip` and `x-compress` are the same codings as `gzip` and `compress` (RFC 9110 section 8.4.1).
    static func canonical(_ coding: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard coding.count > 2, coding[0] | 0x20 == UInt8(ascii: "x"), coding[1] == UInt8(ascii: "-") else { return coding }
        let rest = UnsafeRawBufferPointer(rebasing: coding[2...])
        return HTTPSyntax.equalsLowercase(rest, "gzip") || HTTPSyntax.equalsLowercase(rest, "compress") ? rest : coding
    }
}

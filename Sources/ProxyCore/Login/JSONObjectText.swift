/// Writes a flat JSON object of string members, escaped as proxyd's own error answers are.
enum JSONObjectText {
    static func strings(_ members: [(String, String)]) -> [UInt8] {
        let inner = members.map { "\"\(LocalResponse.jsonEscaped($0.0))\":\"\(LocalResponse.jsonEscaped($0.1))\"" }
        return Array(("{" + inner.joined(separator: ",") + "}").utf8)
    }
}

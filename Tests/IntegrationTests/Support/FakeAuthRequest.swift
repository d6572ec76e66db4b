import Foundation
import NIOHTTP1

/// One request as the login fake received it, with what the flows' checks need already decoded.
struct FakeAuthRequest {
    /// Without the port, lowercase.
    let host: String
    let method: String
    let uri: String
    let headers: [(name: String, value: String)]
    let body: [UInt8]
    /// The process that held the client end of the connection when the request arrived.
    var senderPID: Int32? = nil

    var path: String { String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]) }

    var query: [String: String] {
        guard let mark = uri.firstIndex(of: "?") else { return [:] }
        return Dictionary(Self.pairs(uri[uri.index(after: mark)...]), uniquingKeysWith: { first, _ in first })
    }

    /// The urlencoded body's fields in order.
    var form: [(String, String)] { Self.pairs(Substring(String(decoding: body, as: UTF8.self))) }

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Every Cookie field's pairs; a name sent twice keeps its first value.
    var cookies: [String: String] {
        var result: [String: String] = [:]
        for field in headers where field.name.caseInsensitiveCompare("cookie") == .orderedSame {
            for pair in field.value.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = parts[0].trimmingCharacters(in: .whitespaces)
                if result[name] == nil { result[name] = parts.count > 1 ? String(parts[1]) : "" }
            }
        }
        return result
    }

    var jsonBody: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }

    private static func pairs(_ text: Substring) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    private static func decode(_ text: Substring) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
    }
}

/// Collects the parts of one request into a `FakeAuthRequest`, for the fakes' NIO handlers.
struct FakeRequestAssembler {
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    /// The whole request and its head once `part` ends it; nil before.
    mutating func add(_ part: HTTPServerRequestPart) -> (request: FakeAuthRequest, head: HTTPRequestHead)? {
        switch part {
        case .head(let requestHead):
            head = requestHead
            body = []
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let requestHead = head else { return nil }
            head = nil
            let authority = requestHead.headers["host"].first ?? ""
            let host = authority.split(separator: ":").first.map { $0.lowercased() } ?? ""
            let request = FakeAuthRequest(host: host, method: requestHead.method.rawValue, uri: requestHead.uri,
                                          headers: requestHead.headers.map { (name: $0.name, value: $0.value) }, body: body)
            return (request, requestHead)
        }
        return nil
    }
}

/// What the fake answers.
struct FakeAuthResponse {
    var status: Int
    var headers: [(String, String)] = []
    var body: String = ""

    static func json(_ status: Int, _ object: [String: Any], headers: [(String, String)] = []) -> FakeAuthResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return FakeAuthResponse(status: status, headers: [("content-type", "application/json")] + headers,
                                body: String(decoding: data, as: UTF8.self))
    }

    static func html(_ status: Int, _ body: String, headers: [(String, String)] = []) -> FakeAuthResponse {
        FakeAuthResponse(status: status, headers: [("content-type", "text/html; charset=utf-8")] + headers, body: body)
    }

    static func redirect(_ location: String, headers: [(String, String)] = []) -> FakeAuthResponse {
        FakeAuthResponse(status: 302, headers: [("location", location)] + headers)
    }
}

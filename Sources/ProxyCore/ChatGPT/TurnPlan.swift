/// What the conversation call of a turn carries after its handshake.
struct TurnPlan {
    /// The site's conversation path (`ChatGPTSite`), below the upstream's base path.
    var path: String
    /// Fields to put on the conversation request, replacing the client's of the same names.
    var fields: [HTTPField]
    var body: [UInt8]
    /// The page the web app sends it from: `/c/<id>` when continuing a conversation, else the root.
    var page: String?
    /// The proxy route the handshake took: the conversation leaves the same way.
    var route: DialRoute
    /// The account's cookies, which keep what the conversation's answer sets too.
    var jar: CookieJar
    /// The conversation's URL, for the jar.
    var url: FlowURL
}

extension TurnPlan {
    /// The client's request made into the conversation call: the plan's fields replace the client's of the
    /// same names (the client's cookies go after the account's, in the one field), the prepared body's
    /// length, the site's path with the client's query, and the page it is sent from.
    func apply(to head: inout RequestHead, _ forward: inout Forward) {
        var fields = self.fields
        let clientCookies = head.fields.filter { $0.hasName("cookie") }.map(\.value)
        if !clientCookies.isEmpty, let jar = fields.firstIndex(where: { $0.hasName("cookie") }) {
            fields[jar].value = ([fields[jar].value] + clientCookies).joined(separator: "; ")
        }
        head.fields.removeAll { field in
            field.known == .contentLength || fields.contains { field.hasName($0.name) }
        }
        head.fields += fields
        head.fields.append(HTTPField("content-length", String(body.count)))
        head.framing = .contentLength(UInt64(body.count))
        let query = forward.target.firstIndex(of: "?").map { forward.target[$0...] } ?? ""
        forward.target = forward.origin.basePath + path + query
        forward.page = page
    }
}

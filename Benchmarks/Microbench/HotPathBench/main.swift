// The pure per-request work of one proxied exchange, repeated, so its cost can be counted in instructions
// (Benchmarks/Microbench/count.sh runs it under callgrind). No I/O: the heads live in memory.
import CNghttp2
import ProxyCore

let requestText = """
    GET /chatgpt/backend-api/conversations?offset=0&limit=28&order=updated HTTP/1.1\r
    Host: localhost:8080\r
    User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36\r
    Accept: application/json\r
    Accept-Language: en-US,en;q=0.9\r
    Accept-Encoding: gzip, deflate, br\r
    Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEyMyJ9.c2lnbmF0dXJl\r
    Content-Type: application/json\r
    OpenAI-Organization: org-abc123\r
    Referer: https://chat.example.com/\r
    Origin: https://chat.example.com\r
    Sec-Fetch-Mode: cors\r
    Connection: keep-alive\r
    \r

    """

let responseText = """
    HTTP/1.1 200 OK\r
    Server: nginx/1.22.1\r
    Date: Tue, 24 Nov 2026 22:52:48 GMT\r
    Content-Type: application/json\r
    Content-Length: 360\r
    Connection: keep-alive\r
    Cache-Control: no-store\r
    Vary: Accept-Encoding\r
    X-Request-Id: 6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b\r
    Strict-Transport-Security: max-age=31536000; includeSubDomains\r
    X-Content-Type-Options: nosniff\r
    \r

    """

/// HTTP/2's request side as a session does it: the fields built, then HPACK-encoded by nghttp2's deflater, which
/// is what `nghttp2_submit_request` and the frame writer do with them (one dynamic table, kept across requests).
final class HTTP2RequestSide {
    var fields = HTTP2RequestFields()
    private var deflater: OpaquePointer?
    private var block = [UInt8](repeating: 0, count: 64 * 1024)
    let pseudoHeaderOrder = BrowserProfile.named(.chrome).http2.pseudoHeaderOrder

    init() { precondition(nghttp2_hd_deflate_new(&deflater, 4096) == 0) }
    deinit { nghttp2_hd_deflate_del(deflater) }

    /// The HEADERS block's length.
    func encode() -> Int {
        fields.withNameValues { nva, count in
            block.withUnsafeMutableBufferPointer { nghttp2_hd_deflate_hd(deflater, $0.baseAddress, $0.count, nva, count) }
        }
    }
}

/// Everything a worker does per request outside the sockets; returns bytes written so nothing is optimized away.
/// `http2`: the request goes upstream as HTTP/2 fields and their HPACK block instead of an HTTP/1.1 head.
@inline(never)
func measure(iterations: Int, request: UnsafeRawBufferPointer, response: UnsafeRawBufferPointer,
             router: Router, plan: HeaderPlan?, http2: HTTP2RequestSide?) -> Int {
    let requestParser = RequestHeadParser()
    let responseParser = ResponseHeadParser()
    // As a worker parses: long strings from its cache, each head's fields in the last finished head's array.
    let strings = FieldStringCache()
    var spareRequestFields: [HTTPField] = []
    var spareResponseFields: [HTTPField] = []
    var toUpstream = IOBuffer()
    var toClient = IOBuffer()
    var written = 0
    for _ in 0..<iterations {
        guard case .complete(var head, _) = requestParser.parse(request, reusing: &spareRequestFields,
                                                                strings: strings),
              case .forward(let forward) = router.route(method: head.method, target: head.target),
              head.value(of: "authorization") != nil else { fatalError("request not forwarded") }
        if let http2 {
            http2.fields.build(head, method: forward.method, target: forward.target, page: forward.page,
                               origin: forward.origin, plan: plan, pseudoHeaderOrder: http2.pseudoHeaderOrder)
            written &+= http2.encode()
        } else {
            UpstreamRequestHead.write(head, method: forward.method, target: forward.target, origin: forward.origin,
                                      plan: plan, into: &toUpstream)
        }
        guard case .complete(var response, _) = responseParser.parse(response, requestMethod: forward.method,
                                                                     reusing: &spareResponseFields, strings: strings)
        else { fatalError("response not parsed") }
        _ = ClientResponseHead.write(response, clientMinorVersion: head.minorVersion, keepAlive: head.keepAlive,
                                     into: &toClient)
        swap(&head.fields, &spareRequestFields)
        spareRequestFields.removeAll(keepingCapacity: true)
        swap(&response.fields, &spareResponseFields)
        spareResponseFields.removeAll(keepingCapacity: true)
        written &+= toUpstream.readableCount &+ toClient.readableCount
        toUpstream.consume(toUpstream.readableCount)
        toClient.consume(toClient.readableCount)
    }
    return written
}

let iterations = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 10000 : 10000
let http2 = CommandLine.arguments.count > 2 && CommandLine.arguments[2] == "h2" ? HTTP2RequestSide() : nil
let origin = UpstreamOrigin(secure: true, host: "chatgpt.com", port: 443)
let router = Router(chatgpt: origin, platform: UpstreamOrigin(secure: true, host: "api.openai.com", port: 443))
let written = Array(requestText.utf8).withUnsafeBytes { request in
    Array(responseText.utf8).withUnsafeBytes { response in
        measure(iterations: iterations, request: request, response: response, router: router,
                plan: BrowserProfile.named(.chrome).fetch, http2: http2)
    }
}
print("iterations: \(iterations), head bytes written: \(written)")

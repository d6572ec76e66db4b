/// An error of /imitate/v1 in OpenAI's shape, `{"error":{"message","type","param","code"}}`: the SDKs
/// read `message` for the exception's text and `param` to name the field, and pick the exception
/// class by the status, so the status matters most and `type` follows it.
package struct ImitateError: Error, Equatable, Sendable {
    package var status: Int
    package var message: String
    package var type: String
    /// The request field at fault, for 400s about one field; nil otherwise.
    package var param: String?
    package var code: String?
    /// The answer's `Retry-After` (a 429 passes the site's on).
    package var retryAfter: String?

    package init(status: Int, message: String, type: String? = nil, param: String? = nil, code: String? = nil,
                 retryAfter: String? = nil) {
        self.retryAfter = retryAfter
        self.status = status
        self.message = message
        self.type = type ?? Self.type(forStatus: status)
        self.param = param
        self.code = code
    }

    /// A 400 about the request (the common case of the mapping).
    package static func invalid(_ message: String, param: String?, code: String? = nil) -> ImitateError {
        ImitateError(status: 400, message: message, param: param, code: code)
    }

    /// proxyd's own errors (a body too large, a handshake step that failed, an upstream that timed
    /// out) with their status and message kept: only the shape changes, so an OpenAI client can read them.
    package init(_ error: ProxyError) {
        self.init(status: error.status, message: error.message, retryAfter: error.retryAfter)
    }

    /// The `type` OpenAI's API uses for a status; other 4xx are the client's request, other 5xx ours.
    package static func type(forStatus status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        case 400..<500: "invalid_request_error"
        default: "server_error"
        }
    }

    /// The body to send with `status`.
    package var json: String {
        "{\"error\":{\"message\":\(LocalResponse.jsonString(message)),\"type\":\(LocalResponse.jsonString(type)),"
            + "\"param\":\(param.map(LocalResponse.jsonString) ?? "null"),\"code\":\(code.map(LocalResponse.jsonString) ?? "null")}}"
    }

}

extension ImitateError {
    /// The site refused the conversation (or the models call): its 401, 403, 429 and other 4xx reach the
    /// client with their status and the site's reason (a 429 with its wait as `Retry-After`); a 5xx is the
    /// upstream failing, 502.
    static func site(status: Int, fields: [HTTPField], body: [UInt8]) -> ImitateError {
        let reason = SiteRefusal.detail(of: body).map { ": " + $0 } ?? ""
        switch status {
        case 400..<500:
            return ImitateError(status: status, message: "chatgpt answered \(status)" + reason,
                                retryAfter: status == 429 ? SiteRefusal.retryAfter(fields: fields, body: body) : nil)
        default:
            return ImitateError(status: 502, message: "chatgpt answered \(status)" + reason)
        }
    }
}

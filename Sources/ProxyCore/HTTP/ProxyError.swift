/// An error proxyd answers itself, as `{"errorMessage":"…"}` (on /imitate/v1, OpenAI's shape) with `status`.
package struct ProxyError: Error, Equatable, Sendable {
    package var status: Int
    package var message: String
    /// The answer's `Retry-After`: the site's own, passed on with its 429 so a client waits as long as it asked.
    package var retryAfter: String?

    package init(_ status: Int, _ message: String, retryAfter: String? = nil) {
        self.status = status
        self.message = message
        self.retryAfter = retryAfter
    }
}

/// An error proxyd answers itself, as `{"errorMessage":"…"}` with `status`.
package struct ProxyError: Error, Equatable, Sendable {
    package var status: Int
    package var message: String

    package init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// An error proxyd answers itself, as `{"errorMessage":"…"}` with `status`.
public struct ProxyError: Error, Equatable, Sendable {
    public var status: Int
    public var message: String

    public init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}

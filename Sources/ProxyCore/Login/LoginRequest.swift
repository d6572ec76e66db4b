/// The body of `POST /chatgpt/login` and `POST /platform/login`: `{"username","password"}`, checked
/// before any upstream request. Its descriptions never show the password.
public struct LoginRequest: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let maxBodyBytes = 64 * 1024

    public let username: String
    public let password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public static func parse(_ body: [UInt8]) -> Result<LoginRequest, ProxyError> {
        guard body.count <= maxBodyBytes else {
            return .failure(ProxyError(400, "login request body is larger than \(maxBodyBytes) bytes"))
        }
        guard let members = JSONObjectReader.strings(body) else {
            return .failure(ProxyError(400, "login request body must be a JSON object {\"username\",\"password\"}"))
        }
        let username = members.last { $0.name == "username" }?.value ?? ""
        let password = members.last { $0.name == "password" }?.value ?? ""
        guard !username.isEmpty, !password.isEmpty else {
            return .failure(ProxyError(400, "login request needs non-empty \"username\" and \"password\" strings"))
        }
        return .success(LoginRequest(username: username, password: password))
    }

    public var description: String { "LoginRequest(credentials redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

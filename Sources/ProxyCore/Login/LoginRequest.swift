/// The body of `POST /chatgpt/login` and `POST /platform/login`: `{"username","password"}`, checked
/// before any upstream request. Its descriptions never show the password.
package struct LoginRequest: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package static let maxBodyBytes = 64 * 1024

    package let username: String
    package let password: String

    package init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    package static func parse(_ body: [UInt8]) -> Result<LoginRequest, ProxyError> {
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

    package var description: String { "LoginRequest(credentials redacted)" }
    package var debugDescription: String { description }
    package var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

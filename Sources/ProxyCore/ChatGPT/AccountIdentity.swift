/// Who a ChatGPT access token belongs to, for the browser state proxyd keeps on its behalf.
///
/// The state (cookies, session) is keyed by the token's own digest, so it never reaches a request with
/// another token, even one whose unverified claims name the same account. The device id is derived
/// from the claims instead (UUIDv5 of the account and user), so it stays the same when the account's
/// token is renewed, as a browser's does; without readable claims it comes from the token's digest.
struct AccountIdentity: Equatable {
    /// SHA-256 of the token as sent (without `Bearer `).
    let tokenDigest: [UInt8]
    /// UUIDv5, lowercase.
    let deviceID: String

    /// The claim object of OpenAI's access tokens that names the account.
    static let authClaim = "https://api.openai.com/auth"

    init(authorization: String) {
        let token = Self.bareToken(authorization)
        tokenDigest = SHA256.hash(Array(token.utf8))
        let name = Self.accountName(token) ?? "token:" + hexString(tokenDigest)
        deviceID = UUIDText.version5(namespace: UUIDText.deviceNamespace, name: name)
    }

    private static func bareToken(_ authorization: String) -> Substring {
        let value = authorization.drop { $0 == " " || $0 == "\t" }
        return UpstreamRequestHead.lacksBearer(String(value)) ? value : value.dropFirst("bearer ".count)
    }

    /// `account:<chatgpt_account_id>/<user_id>` (either part may be missing) from the JWT's payload;
    /// nil when the token is no JWT or names neither. The signature is not checked: the name only
    /// picks a device id, never whose state a request gets.
    static func accountName(_ token: Substring) -> String? {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64.decode(parts[1]),
              let auth = JSONObjectReader.value(payload)?[authClaim] else { return nil }
        let account = auth["chatgpt_account_id"]?.string ?? ""
        let user = auth["user_id"]?.string ?? ""
        guard !account.isEmpty || !user.isEmpty else { return nil }
        return "account:" + account + "/" + user
    }
}

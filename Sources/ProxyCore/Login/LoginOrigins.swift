/// The configured base URLs the flows talk to.
public struct LoginOrigins: Sendable {
    public var chatgpt: UpstreamOrigin
    public var auth: UpstreamOrigin
    public var platform: UpstreamOrigin
    public var platformWeb: UpstreamOrigin

    public init(chatgpt: UpstreamOrigin, auth: UpstreamOrigin, platform: UpstreamOrigin, platformWeb: UpstreamOrigin) {
        self.chatgpt = chatgpt
        self.auth = auth
        self.platform = platform
        self.platformWeb = platformWeb
    }

    public init(_ configuration: Configuration) {
        self.init(chatgpt: configuration.chatgpt, auth: configuration.auth, platform: configuration.platform,
                  platformWeb: configuration.platformWeb)
    }
}

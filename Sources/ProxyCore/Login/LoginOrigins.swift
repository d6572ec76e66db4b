/// The configured base URLs the flows talk to.
package struct LoginOrigins: Sendable {
    package var chatgpt: UpstreamOrigin
    package var auth: UpstreamOrigin
    package var platform: UpstreamOrigin
    package var platformWeb: UpstreamOrigin

    package init(chatgpt: UpstreamOrigin, auth: UpstreamOrigin, platform: UpstreamOrigin, platformWeb: UpstreamOrigin) {
        self.chatgpt = chatgpt
        self.auth = auth
        self.platform = platform
        self.platformWeb = platformWeb
    }

    package init(_ configuration: Configuration) {
        self.init(chatgpt: configuration.chatgpt, auth: configuration.auth, platform: configuration.platform,
                  platformWeb: configuration.platformWeb)
    }
}

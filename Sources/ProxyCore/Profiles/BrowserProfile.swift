/// One browser (or library) as upstream requests present it: its HTTP/2 preface and priorities and
/// its request headers. The TLS ClientHello of the same name is the TLS layer's (`TLSContext`).
/// A nil header plan forwards the client's headers as sent.
package struct BrowserProfile {
    let name: TLSProfileName
    package let http2: HTTP2Profile
    /// A page's own script calling its site's API (`fetch()`): what every proxied route is.
    package let fetch: HeaderPlan?
    /// A page load (typed URL, link, form): the login flows' steps. The reference captures are
    /// navigations, so this plan is also where the captured header order is checked.
    package let navigation: HeaderPlan?

    /// Chrome or Edge: what the sentinel's config array (ChatGPTSite) describes.
    var isChromium: Bool { name == .chrome || name == .edge }

    package static func named(_ name: TLSProfileName) -> BrowserProfile {
        switch name {
        case .chrome: return chrome
        case .edge: return edge
        case .safari: return safari
        case .firefox: return firefox
        case .okhttp: return okhttp
        case .openssl: return BrowserProfile(name: .openssl, http2: .neutral, fetch: nil, navigation: nil)
        }
    }
}

extension HTTP2Profile {
    /// The table form: settings as (id, value) in wire order, the WINDOW_UPDATE increment as captured.
    init(settings: [(Int32, UInt32)], windowUpdate: Int32, priority: (weight: Int32, exclusive: Bool)?,
         pseudoHeaderOrder: [PseudoHeader]) {
        self.init(settings: settings.map { Setting(id: $0.0, value: $0.1) },
                  connectionWindow: Self.defaultWindow + windowUpdate, priority: priority,
                  pseudoHeaderOrder: pseudoHeaderOrder)
    }
}

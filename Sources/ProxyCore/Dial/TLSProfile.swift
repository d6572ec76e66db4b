import CTLSShim

/// The ClientHello an upstream sees; the shim picks the TLS library that can produce it.
public enum TLSProfile: Sendable, CaseIterable {
    /// OpenSSL's own defaults: no impersonation.
    case openssl
    /// Chrome 156 through BoringSSL: JA4 `t13d1517h2_8daaf6152771_cb7bf5808d99`, extension order
    /// permuted on every connection.
    case chrome

    /// The TLS layer of a configured profile name.
    public init(_ name: TLSProfileName) {
        switch name {
        case .openssl: self = .openssl
        case .chrome: self = .chrome
        // Issue 4: firefox, safari, edge and okhttp get their own ClientHellos next; until then
        // they present Chrome's, which is still a current browser's rather than a library's.
        case .firefox, .safari, .edge, .okhttp: self = .chrome
        }
    }

    var shimProfile: tlsshim_profile {
        switch self {
        case .openssl: return TLSSHIM_PROFILE_OPENSSL
        case .chrome: return TLSSHIM_PROFILE_CHROME
        }
    }
}

import CTLSShim

/// The ClientHello an upstream sees; the shim picks the TLS library that can produce it. Each
/// browser's table is Sources/CTLSShim/<name>_profile.c, which also says how close it comes.
package enum TLSProfile: Sendable, CaseIterable {
    /// OpenSSL's own defaults: no impersonation.
    case openssl
    /// Chrome 156 through BoringSSL: JA4 `t13d1517h2_8daaf6152771_cb7bf5808d99`, extension order
    /// permuted on every connection.
    case chrome
    /// Edge 101 through BoringSSL (GREASE, old ALPS code point, no permutation).
    case edge
    /// Safari 27 through BoringSSL (X25519MLKEM768, zlib certificate compression, no session tickets).
    case safari
    /// Firefox ESR 153 through BoringSSL (no GREASE, ECH GREASE, three certificate compressions).
    case firefox
    /// OkHttp 4 on Android 13 through BoringSSL (no GREASE, no certificate compression).
    case okhttp

    /// The TLS layer of a configured profile name.
    package init(_ name: TLSProfileName) {
        switch name {
        case .openssl: self = .openssl
        case .chrome: self = .chrome
        case .edge: self = .edge
        case .safari: self = .safari
        case .firefox: self = .firefox
        case .okhttp: self = .okhttp
        }
    }

    var shimProfile: tlsshim_profile {
        switch self {
        case .openssl: return TLSSHIM_PROFILE_OPENSSL
        case .chrome: return TLSSHIM_PROFILE_CHROME
        case .edge: return TLSSHIM_PROFILE_EDGE
        case .safari: return TLSSHIM_PROFILE_SAFARI
        case .firefox: return TLSSHIM_PROFILE_FIREFOX
        case .okhttp: return TLSSHIM_PROFILE_OKHTTP
        }
    }
}

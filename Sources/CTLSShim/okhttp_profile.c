// OkHttp 4 on Android 13's ClientHello as BoringSSL settings, measured against
// tls_client_okhttp4_android_13.json in Tests/ProxyCoreTests/Fixtures/Fingerprints (the profile
// go-chatgpt-api sent from mid-2023). Android's TLS is BoringSSL too. Updating it means editing these tables.
//
// Reference JA4 t13d1513h2_8daaf6152771_eca864cca44a, and this table sends exactly that (JA4_r and
// JA3N too). The reference's padding extension (21) came from older BoringSSL padding 256-511 byte
// hellos to 512; the BoringSSL in swift-nio-ssl 2.37.6 no longer does and has no API for it. Its only
// padding is 1 byte after a last extension with an empty body, so final_padding permutes the
// extensions and rebuilds the hello until it ends so (boringssl.c). The cost: the extension order
// changes per connection where Android's was fixed; JA4 and JA3N ignore it, JA3 and JA4_o do not.
// Should every attempt miss, JA4 is t13d1512h2_8daaf6152771_40271e0a5736. A hello resuming a TLS 1.3
// session has pre_shared_key (41) last and can never pad, so it carries 41 where the full one carries 21.
#include "boring_profile.h"

#include <CNIOBoringSSL.h>

static const char okhttp_ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:"
    "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA";

static const uint16_t okhttp_groups[] = {SSL_GROUP_X25519, SSL_GROUP_SECP256R1, SSL_GROUP_SECP384R1};

static const uint16_t okhttp_key_shares[] = {SSL_GROUP_X25519};

static const uint16_t okhttp_sigalgs[] = {
    SSL_SIGN_ECDSA_SECP256R1_SHA256, SSL_SIGN_RSA_PSS_RSAE_SHA256, SSL_SIGN_RSA_PKCS1_SHA256,
    SSL_SIGN_ECDSA_SECP384R1_SHA384, SSL_SIGN_RSA_PSS_RSAE_SHA384, SSL_SIGN_RSA_PKCS1_SHA384,
    SSL_SIGN_RSA_PSS_RSAE_SHA512, SSL_SIGN_RSA_PKCS1_SHA512, SSL_SIGN_RSA_PKCS1_SHA1,
};

// No GREASE, certificate compression, SCT, ALPS or ECH: Android's platform defaults. No GREASE also
// means final_padding costs nothing more here.
const struct tlsshim_boring_profile tlsshim_okhttp_profile = {
    .cipher_list = okhttp_ciphers,
    .groups = okhttp_groups,
    .group_count = TLSSHIM_COUNT(okhttp_groups),
    .key_shares = okhttp_key_shares,
    .key_share_count = TLSSHIM_COUNT(okhttp_key_shares),
    .sigalgs = okhttp_sigalgs,
    .sigalg_count = TLSSHIM_COUNT(okhttp_sigalgs),
    .ocsp_stapling = 1,
    .final_padding = 1,
};

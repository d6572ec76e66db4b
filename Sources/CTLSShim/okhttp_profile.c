// OkHttp 4 on Android 13's ClientHello as BoringSSL settings, measured against
// tls_client_okhttp4_android_13.json in ../shared/fingerprints (the profile go-chatgpt-api sent from
// mid-2023). Android's TLS is BoringSSL too. Updating it means editing these tables.
//
// Reference JA4 t13d1513h2_8daaf6152771_eca864cca44a; this table gives t13d1512h2_8daaf6152771_40271e0a5736.
// The one difference is the padding extension (21): the reference pads its 256-511 byte ClientHello to
// 512 as older BoringSSL did; the BoringSSL in swift-nio-ssl 2.37.6 no longer does and has no API to
// add it. Ciphers, the other 12 extensions in their order, groups and signature algorithms are the
// reference's, so JA3N equals the reference's without 21.
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

// No GREASE, certificate compression, SCT, ALPS or ECH: Android's platform defaults.
const struct tlsshim_boring_profile tlsshim_okhttp_profile = {
    .cipher_list = okhttp_ciphers,
    .groups = okhttp_groups,
    .group_count = TLSSHIM_COUNT(okhttp_groups),
    .key_shares = okhttp_key_shares,
    .key_share_count = TLSSHIM_COUNT(okhttp_key_shares),
    .sigalgs = okhttp_sigalgs,
    .sigalg_count = TLSSHIM_COUNT(okhttp_sigalgs),
    .ocsp_stapling = 1,
};

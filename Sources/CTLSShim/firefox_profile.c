// Firefox ESR 153's ClientHello as BoringSSL settings, measured against firefox_esr_headless.json in
// Tests/ProxyCoreTests/Fixtures/Fingerprints (a real Firefox, NSS). Updating Firefox means editing these tables.
//
// Reference JA4 t13d1617h2_86a278354501_3cbfd9057e0d; this table gives t13d1615h2_86a278354501_c1eccb039341.
// Ciphers (so the cipher hash) and signature algorithms are the reference's; BoringSSL in swift-nio-ssl
// 2.37.6 cannot send two of its 17 extensions, and faking them would break servers that answer them:
// - delegated_credentials (34): BoringSSL only accepts it as a server; a server that supports it
//   (Cloudflare's do) would answer with a credential the client cannot verify;
// - record_size_limit (28): not implemented; a server honouring it expects the limit to be kept.
// Beyond JA4: no ffdhe2048/ffdhe3072 groups (BoringSSL has no finite-field groups), the TLS 1.3 suites
// go in BoringSSL's order 1301,1302,1303 rather than 1301,1303,1302 (both show in JA3N), the extensions
// in BoringSSL's order rather than NSS's (JA3, JA4_o), and the ECH extension is GREASE rather than a
// real outer hello (same code point).
#include "boring_profile.h"

#include <CNIOBoringSSL.h>

static const char firefox_ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:"
    "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA";

static const uint16_t firefox_groups[] = {
    SSL_GROUP_X25519_MLKEM768, SSL_GROUP_X25519, SSL_GROUP_SECP256R1, SSL_GROUP_SECP384R1, SSL_GROUP_SECP521R1,
};

static const uint16_t firefox_key_shares[] = {SSL_GROUP_X25519_MLKEM768, SSL_GROUP_X25519, SSL_GROUP_SECP256R1};

static const uint16_t firefox_sigalgs[] = {
    SSL_SIGN_ECDSA_SECP256R1_SHA256, SSL_SIGN_ECDSA_SECP384R1_SHA384, SSL_SIGN_ECDSA_SECP521R1_SHA512,
    SSL_SIGN_RSA_PSS_RSAE_SHA256, SSL_SIGN_RSA_PSS_RSAE_SHA384, SSL_SIGN_RSA_PSS_RSAE_SHA512,
    SSL_SIGN_RSA_PKCS1_SHA256, SSL_SIGN_RSA_PKCS1_SHA384, SSL_SIGN_RSA_PKCS1_SHA512,
    SSL_SIGN_ECDSA_SHA1, SSL_SIGN_RSA_PKCS1_SHA1,
};

static const uint16_t firefox_cert_compression[] = {TLSSHIM_CERT_ZLIB, TLSSHIM_CERT_BROTLI, TLSSHIM_CERT_ZSTD};

// Firefox sends no GREASE and no ALPS, and keeps one extension order.
const struct tlsshim_boring_profile tlsshim_firefox_profile = {
    .cipher_list = firefox_ciphers,
    .groups = firefox_groups,
    .group_count = TLSSHIM_COUNT(firefox_groups),
    .key_shares = firefox_key_shares,
    .key_share_count = TLSSHIM_COUNT(firefox_key_shares),
    .sigalgs = firefox_sigalgs,
    .sigalg_count = TLSSHIM_COUNT(firefox_sigalgs),
    .cert_compression = firefox_cert_compression,
    .cert_compression_count = TLSSHIM_COUNT(firefox_cert_compression),
    .ech_grease = 1,
    .ocsp_stapling = 1,
    .signed_cert_timestamps = 1,
};

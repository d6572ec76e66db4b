// Safari's ClientHello as BoringSSL settings, measured against curl_cffi_safari270.json in
// Tests/ProxyCoreTests/Fixtures/Fingerprints (curl-impersonate's Safari 27, patched BoringSSL).
// Updating Safari means editing these tables, not the backend.
//
// Reference JA4 t13d2013h2_a09f3c656075_7f0f34a4126d; this table gives t13d1813h2_e8a523a41297_2590684db98f.
// The 13 extensions are the reference's in its order; two things BoringSSL in swift-nio-ssl 2.37.6
// cannot send differ:
// - ciphers: it has no ECDHE 3DES suites, so c008 and c012 are missing (18 instead of 20);
// - signature_algorithms: Safari lists 0805 twice, BoringSSL refuses duplicates, so it is listed once.
// The TLS 1.3 suites go in BoringSSL's order (1301 first, Safari's is 1302 first), which JA3 and JA3N see.
#include "boring_profile.h"

#include <CNIOBoringSSL.h>

static const char safari_ciphers[] =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA:"
    "AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-SHA:AES128-SHA:DES-CBC3-SHA";

static const uint16_t safari_groups[] = {
    SSL_GROUP_X25519_MLKEM768, SSL_GROUP_X25519, SSL_GROUP_SECP256R1, SSL_GROUP_SECP384R1, SSL_GROUP_SECP521R1,
};

static const uint16_t safari_key_shares[] = {SSL_GROUP_X25519_MLKEM768, SSL_GROUP_X25519};

static const uint16_t safari_sigalgs[] = {
    SSL_SIGN_ECDSA_SECP256R1_SHA256, SSL_SIGN_RSA_PSS_RSAE_SHA256, SSL_SIGN_RSA_PKCS1_SHA256,
    SSL_SIGN_ECDSA_SECP384R1_SHA384, SSL_SIGN_RSA_PSS_RSAE_SHA384, SSL_SIGN_RSA_PKCS1_SHA384,
    SSL_SIGN_RSA_PSS_RSAE_SHA512, SSL_SIGN_RSA_PKCS1_SHA512, SSL_SIGN_RSA_PKCS1_SHA1,
};

static const uint16_t safari_cert_compression[] = {TLSSHIM_CERT_ZLIB};

// Safari sends GREASE but no session_ticket, ALPS, ECH or permutation.
const struct tlsshim_boring_profile tlsshim_safari_profile = {
    .cipher_list = safari_ciphers,
    .groups = safari_groups,
    .group_count = TLSSHIM_COUNT(safari_groups),
    .key_shares = safari_key_shares,
    .key_share_count = TLSSHIM_COUNT(safari_key_shares),
    .sigalgs = safari_sigalgs,
    .sigalg_count = TLSSHIM_COUNT(safari_sigalgs),
    .cert_compression = safari_cert_compression,
    .cert_compression_count = TLSSHIM_COUNT(safari_cert_compression),
    .grease = 1,
    .ocsp_stapling = 1,
    .signed_cert_timestamps = 1,
    .no_session_tickets = 1,
};

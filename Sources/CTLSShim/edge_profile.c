// Edge 101's ClientHello as BoringSSL settings, measured against curl_cffi_edge101.json in
// Tests/ProxyCoreTests/Fixtures/Fingerprints (curl-impersonate's Edge 101 on an older BoringSSL).
// Updating Edge means editing these tables, not the backend.
//
// Reference JA4 t13d1516h2_8daaf6152771_e5627efa2ab1, and this table sends exactly that (JA4_r and
// JA3N too). The reference's padding extension (21) came from its BoringSSL padding 256-511 byte hellos
// to 512 (the F5 workaround); the BoringSSL in swift-nio-ssl 2.37.6 no longer does and has no API for it.
// Its only padding is 1 byte after a last extension with an empty body, so final_padding permutes the
// extensions and rebuilds the hello until it ends so (boringssl.c). The cost: no GREASE (GREASE's last
// extension is never empty), so this is a Chromium hello without GREASE, unlike real Edge 101, and
// its extension order changes per connection where Edge 101's was fixed. JA4 and JA3N ignore both;
// a fingerprint that looks at GREASE or the order (JA3, JA4_o) sees the difference. Should every
// attempt miss, JA4 is t13d1515h2_8daaf6152771_f37e75b10bcc. A hello resuming a TLS 1.3 session has
// pre_shared_key (41) last and can never pad, so it carries 41 where the full one carries 21.
#include "boring_profile.h"

#include <CNIOBoringSSL.h>

static const char edge_ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:"
    "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA";

static const uint16_t edge_groups[] = {SSL_GROUP_X25519, SSL_GROUP_SECP256R1, SSL_GROUP_SECP384R1};

static const uint16_t edge_key_shares[] = {SSL_GROUP_X25519};

static const uint16_t edge_sigalgs[] = {
    SSL_SIGN_ECDSA_SECP256R1_SHA256, SSL_SIGN_RSA_PSS_RSAE_SHA256, SSL_SIGN_RSA_PKCS1_SHA256,
    SSL_SIGN_ECDSA_SECP384R1_SHA384, SSL_SIGN_RSA_PSS_RSAE_SHA384, SSL_SIGN_RSA_PKCS1_SHA384,
    SSL_SIGN_RSA_PSS_RSAE_SHA512, SSL_SIGN_RSA_PKCS1_SHA512,
};

static const uint16_t edge_cert_compression[] = {TLSSHIM_CERT_BROTLI};

// Edge's ALPS value for h2 is its HTTP/2 SETTINGS payload: HEADER_TABLE_SIZE 65536,
// MAX_CONCURRENT_STREAMS 1000, INITIAL_WINDOW_SIZE 6291456, MAX_HEADER_LIST_SIZE 262144.
static const uint8_t edge_h2_settings[] = {
    0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x03, 0x00, 0x00, 0x03, 0xe8,
    0x00, 0x04, 0x00, 0x60, 0x00, 0x00,
    0x00, 0x06, 0x00, 0x04, 0x00, 0x00,
};

// Edge 101 predates ECH GREASE and the new ALPS code point; it sent GREASE and a fixed extension
// order, both given up for the padding extension (see the top of this file).
const struct tlsshim_boring_profile tlsshim_edge_profile = {
    .cipher_list = edge_ciphers,
    .groups = edge_groups,
    .group_count = TLSSHIM_COUNT(edge_groups),
    .key_shares = edge_key_shares,
    .key_share_count = TLSSHIM_COUNT(edge_key_shares),
    .sigalgs = edge_sigalgs,
    .sigalg_count = TLSSHIM_COUNT(edge_sigalgs),
    .cert_compression = edge_cert_compression,
    .cert_compression_count = TLSSHIM_COUNT(edge_cert_compression),
    .alps_h2_settings = edge_h2_settings,
    .alps_h2_settings_len = sizeof edge_h2_settings,
    .ocsp_stapling = 1,
    .signed_cert_timestamps = 1,
    .alps = 1,
    .final_padding = 1,
};

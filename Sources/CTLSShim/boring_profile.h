// A browser's ClientHello as data for the BoringSSL backend (boringssl.c reads it, *_profile.c
// files define one each). Includes no TLS header so the data files stay plain tables.
#ifndef CTLSSHIM_BORING_PROFILE_H
#define CTLSSHIM_BORING_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#define TLSSHIM_COUNT(array) (sizeof(array) / sizeof((array)[0]))

// Certificate compression algorithms (RFC 8879 code points) the shim can decompress.
enum {
    TLSSHIM_CERT_ZLIB = 1,
    TLSSHIM_CERT_BROTLI = 2,
    TLSSHIM_CERT_ZSTD = 3,
};

struct tlsshim_boring_profile {
    const char *cipher_list;          // TLS 1.2 suites in order, for SSL_CTX_set_strict_cipher_list
    const uint16_t *groups;           // supported_groups in order (SSL_GROUP_*)
    size_t group_count;
    const uint16_t *key_shares;       // the groups that get a key share in the first ClientHello
    size_t key_share_count;
    const uint16_t *sigalgs;          // signature_algorithms in order (SSL_SIGN_*)
    size_t sigalg_count;
    const uint16_t *cert_compression; // compress_certificate algorithms in order; none: no extension
    size_t cert_compression_count;
    const uint8_t *trust_anchors;     // requested trust anchor IDs (wire format); NULL: no extension
    size_t trust_anchors_len;
    const uint8_t *alps_h2_settings;  // the ALPS value sent when h2 is offered
    size_t alps_h2_settings_len;
    unsigned grease : 1;
    unsigned grease_sigalgs : 1;      // a GREASE value in signature_algorithms too (Chrome does)
    unsigned permute_extensions : 1;  // a new extension order on every connection
    unsigned ech_grease : 1;
    unsigned ocsp_stapling : 1;
    unsigned signed_cert_timestamps : 1;
    unsigned no_session_tickets : 1;  // no session_ticket extension (Safari sends none)
    unsigned alps : 1;                // ALPS for h2 when the caller offers h2
    unsigned alps_new_codepoint : 1;  // 17613 instead of the old 17513
    // End the ClientHello with a 1-byte padding extension (21), as hellos of older BoringSSL did. This
    // one writes it only when the last extension of the order has an empty body, so the extensions
    // are permuted and a full hello is rebuilt until its order ends so (boringssl.c). Needs grease off:
    // GREASE's own final extension is never empty.
    unsigned final_padding : 1;
};

#endif

// The TLS shim: one small client-side interface over two TLS libraries, so Swift never sees
// OpenSSL or BoringSSL types. The profile chosen at context creation picks the library.
#ifndef CTLSSHIM_H
#define CTLSSHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct tlsshim_ctx tlsshim_ctx;   // shared, read-only after creation: trust store, ALPN, profile
typedef struct tlsshim_conn tlsshim_conn; // one connection on one non-blocking socket

enum {
    TLSSHIM_OK = 0,
    TLSSHIM_WANT_READ = -2,
    TLSSHIM_WANT_WRITE = -3,
    TLSSHIM_CLOSED = -4,   // the peer sent close_notify or closed the socket
    TLSSHIM_ERROR = -5,    // see tlsshim_conn_error
};

/// What the ClientHello looks like; the shim picks the library that can produce it.
typedef enum {
    TLSSHIM_PROFILE_OPENSSL = 0, // OpenSSL's own defaults, no impersonation
    TLSSHIM_PROFILE_CHROME = 1,  // Chrome 156 (BoringSSL): JA4 t13d1517h2_8daaf6152771_cb7bf5808d99
    // The others are BoringSSL too; each *_profile.c says how close it comes to its reference.
    TLSSHIM_PROFILE_EDGE = 2,    // Edge 101
    TLSSHIM_PROFILE_SAFARI = 3,  // Safari 27
    TLSSHIM_PROFILE_FIREFOX = 4, // Firefox ESR 153
    TLSSHIM_PROFILE_OKHTTP = 5,  // OkHttp 4 on Android 13
} tlsshim_profile;

/// A client context that always verifies certificates: the system store plus, when
/// ca_file is not NULL, the PEM certificates in it. alpn is in wire format (length-prefixed
/// protocol names). On failure returns NULL and writes a message into err.
tlsshim_ctx *tlsshim_ctx_new(tlsshim_profile profile, const char *ca_file, const uint8_t *alpn,
                             size_t alpn_len, char *err, size_t err_len);
void tlsshim_ctx_free(tlsshim_ctx *ctx);

/// A connection over fd (already connected, non-blocking). host is used for SNI (unless it
/// is an IP literal) and for certificate name or IP verification. host and port (the origin's,
/// not a proxy's) name the peer whose saved session, if the context has one, is offered; scope
/// keeps sessions apart that must not be linked (one per egress route: a ticket shown through two
/// proxies would tell the server they are one client).
tlsshim_conn *tlsshim_conn_new(tlsshim_ctx *ctx, int fd, const char *host, uint16_t port, uint32_t scope,
                               char *err, size_t err_len);
void tlsshim_conn_free(tlsshim_conn *conn);

/// Advances the handshake: TLSSHIM_OK when done, WANT_READ/WANT_WRITE to wait, ERROR.
int tlsshim_handshake(tlsshim_conn *conn);
/// >0 bytes read, or WANT_READ, WANT_WRITE, CLOSED, ERROR.
ssize_t tlsshim_read(tlsshim_conn *conn, void *buf, size_t len);
/// After a read that returned data: 1 when the TLS buffers are empty and the socket's last read
/// came back short, so another read now would only block. Edge-triggered callers skip that read.
int tlsshim_read_drained(tlsshim_conn *conn);
/// >0 bytes written (partial writes allowed), or WANT_READ, WANT_WRITE, ERROR.
ssize_t tlsshim_write(tlsshim_conn *conn, const void *buf, size_t len);
/// Sends close_notify, best effort, without waiting for the peer's.
void tlsshim_shutdown(tlsshim_conn *conn);

/// The negotiated ALPN protocol (not NUL-terminated) and its length; 0 when none.
size_t tlsshim_alpn(tlsshim_conn *conn, const uint8_t **proto);
/// 1 when the finished handshake resumed a saved session (no certificate was sent or verified).
int tlsshim_session_reused(tlsshim_conn *conn);
/// A readable description of the last failure, e.g. "certificate verify failed: self-signed certificate".
const char *tlsshim_conn_error(tlsshim_conn *conn);

// The server side of `proxyd fingerprint`, exported through this umbrella header.
#include "CTLSShimCapture.h"

/// Digests that fingerprints are quoted in (JA4 truncates SHA-256, JA3 and Akamai use MD5), from the
/// linked OpenSSL rather than a hand-written copy.
void tlsshim_sha256(const void *data, size_t len, uint8_t out[32]);
void tlsshim_md5(const void *data, size_t len, uint8_t out[16]);
/// UUIDv5 (RFC 9562) is defined over SHA-1: the ChatGPT device id.
void tlsshim_sha1(const void *data, size_t len, uint8_t out[20]);

#endif

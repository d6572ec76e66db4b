// What the dispatcher (shim.c) and each backend share. Includes no TLS library header: OpenSSL's
// and BoringSSL's headers define the same names, so each backend lives in its own .c file.
#ifndef CTLSSHIM_BACKEND_H
#define CTLSSHIM_BACKEND_H

#include "CTLSShim.h"

struct tlsshim_backend {
    tlsshim_conn *(*conn_new)(tlsshim_ctx *ctx, int fd, const char *host, uint16_t port, uint32_t scope, char *err,
                              size_t err_len);
    void (*conn_free)(tlsshim_conn *conn);
    void (*ctx_free)(tlsshim_ctx *ctx);
    int (*handshake)(tlsshim_conn *conn);
    ssize_t (*read)(tlsshim_conn *conn, void *buf, size_t len);
    int (*read_drained)(tlsshim_conn *conn);
    ssize_t (*write)(tlsshim_conn *conn, const void *buf, size_t len);
    void (*shutdown)(tlsshim_conn *conn);
    size_t (*alpn)(tlsshim_conn *conn, const uint8_t **proto);
    int (*session_reused)(tlsshim_conn *conn);
};

// The first member of every backend's context and connection, so the dispatcher can route calls.
struct tlsshim_ctx {
    const struct tlsshim_backend *backend;
};

struct tlsshim_conn {
    const struct tlsshim_backend *backend;
    char err[256];
};

tlsshim_ctx *tlsshim_openssl_ctx_new(const char *ca_file, const uint8_t *alpn, size_t alpn_len,
                                     char *err, size_t err_len);

struct tlsshim_boring_profile;
tlsshim_ctx *tlsshim_boring_ctx_new(const struct tlsshim_boring_profile *profile, const char *ca_file,
                                    const uint8_t *alpn, size_t alpn_len, char *err, size_t err_len);
extern const struct tlsshim_boring_profile tlsshim_chrome_profile;
extern const struct tlsshim_boring_profile tlsshim_edge_profile;
extern const struct tlsshim_boring_profile tlsshim_safari_profile;
extern const struct tlsshim_boring_profile tlsshim_firefox_profile;
extern const struct tlsshim_boring_profile tlsshim_okhttp_profile;

void tlsshim_message(char *dst, size_t dst_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int tlsshim_is_ip_literal(const char *host);

#endif

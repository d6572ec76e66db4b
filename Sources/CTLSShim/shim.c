// Routes each call to the backend that created the context, and holds what both backends share.
#include "backend.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>

tlsshim_ctx *tlsshim_ctx_new(tlsshim_profile profile, const char *ca_file, const uint8_t *alpn,
                             size_t alpn_len, char *err, size_t err_len) {
    const struct tlsshim_boring_profile *browser;
    switch (profile) {
    case TLSSHIM_PROFILE_OPENSSL:
        return tlsshim_openssl_ctx_new(ca_file, alpn, alpn_len, err, err_len);
    case TLSSHIM_PROFILE_CHROME: browser = &tlsshim_chrome_profile; break;
    case TLSSHIM_PROFILE_EDGE: browser = &tlsshim_edge_profile; break;
    case TLSSHIM_PROFILE_SAFARI: browser = &tlsshim_safari_profile; break;
    case TLSSHIM_PROFILE_FIREFOX: browser = &tlsshim_firefox_profile; break;
    case TLSSHIM_PROFILE_OKHTTP: browser = &tlsshim_okhttp_profile; break;
    default:
        tlsshim_message(err, err_len, "unknown TLS profile %d", (int)profile);
        return NULL;
    }
    return tlsshim_boring_ctx_new(browser, ca_file, alpn, alpn_len, err, err_len);
}

void tlsshim_ctx_free(tlsshim_ctx *ctx) {
    if (ctx != NULL) ctx->backend->ctx_free(ctx);
}

tlsshim_conn *tlsshim_conn_new(tlsshim_ctx *ctx, int fd, const char *host, uint16_t port, uint32_t scope, char *err,
                               size_t err_len) {
    if (ctx == NULL || host == NULL || host[0] == '\0') {
        tlsshim_message(err, err_len, "TLS connection needs a context and a host name");
        return NULL;
    }
    return ctx->backend->conn_new(ctx, fd, host, port, scope, err, err_len);
}

void tlsshim_conn_free(tlsshim_conn *conn) {
    if (conn != NULL) conn->backend->conn_free(conn);
}

int tlsshim_handshake(tlsshim_conn *conn) {
    return conn->backend->handshake(conn);
}

ssize_t tlsshim_read(tlsshim_conn *conn, void *buf, size_t len) {
    if (len == 0) return 0;
    return conn->backend->read(conn, buf, len);
}

int tlsshim_read_drained(tlsshim_conn *conn) {
    return conn->backend->read_drained(conn);
}

ssize_t tlsshim_write(tlsshim_conn *conn, const void *buf, size_t len) {
    if (len == 0) return 0;
    return conn->backend->write(conn, buf, len);
}

void tlsshim_shutdown(tlsshim_conn *conn) {
    if (conn != NULL) conn->backend->shutdown(conn);
}

size_t tlsshim_alpn(tlsshim_conn *conn, const uint8_t **proto) {
    return conn->backend->alpn(conn, proto);
}

int tlsshim_session_reused(tlsshim_conn *conn) {
    return conn->backend->session_reused(conn);
}

const char *tlsshim_conn_error(tlsshim_conn *conn) {
    return conn->err[0] != '\0' ? conn->err : "no TLS error recorded";
}

void tlsshim_message(char *dst, size_t dst_len, const char *fmt, ...) {
    if (dst == NULL || dst_len == 0) return;
    va_list args;
    va_start(args, fmt);
    vsnprintf(dst, dst_len, fmt, args);
    va_end(args);
}

int tlsshim_is_ip_literal(const char *host) {
    unsigned char addr[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

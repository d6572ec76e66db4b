// OpenSSL 3.0 backend of the TLS shim (client side only): the `openssl` profile.
//
// The OpenSSL error queue is per thread and shared by every connection on that thread, so
// each SSL_* call starts with ERR_clear_error() and each failure is turned into text at once,
// then the queue is cleared again so the next connection never sees a stale entry.
#include "backend.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

static const struct tlsshim_backend openssl_backend;

struct openssl_ctx {
    tlsshim_ctx base;
    SSL_CTX *ssl_ctx;
};

struct openssl_conn {
    tlsshim_conn base;
    SSL *ssl;
    // OpenSSL forbids SSL_shutdown after a fatal error; this remembers one happened.
    int failed;
    // Set by the socket BIO's callback when a raw read came back short or would block: the
    // kernel had nothing more at that moment.
    int socket_drained;
};

// OpenSSL has no reason strings for errno-carrying entries (e.g. a failed fopen); strerror does.
static const char *reason_text(unsigned long code) {
    if (code == 0) return NULL;
    if (ERR_SYSTEM_ERROR(code)) return strerror(ERR_GET_REASON(code));
    return ERR_reason_error_string(code);
}

// The reason text of the earliest queued error: the root cause comes first.
static const char *queued_reason(void) {
    return reason_text(ERR_peek_error());
}

// Reports why building the context failed and releases it; subject names the file, if any.
static tlsshim_ctx *ctx_failure(SSL_CTX *ssl_ctx, const char *what, const char *subject,
                                const char *fallback, char *err, size_t err_len) {
    const char *reason = queued_reason();
    if (reason == NULL) reason = fallback;
    if (subject != NULL) {
        tlsshim_message(err, err_len, "%s %s: %s", what, subject, reason);
    } else {
        tlsshim_message(err, err_len, "%s: %s", what, reason);
    }
    ERR_clear_error();
    SSL_CTX_free(ssl_ctx);
    return NULL;
}

tlsshim_ctx *tlsshim_openssl_ctx_new(const char *ca_file, const uint8_t *alpn, size_t alpn_len,
                                     char *err, size_t err_len) {
    ERR_clear_error();
    SSL_CTX *ssl_ctx = SSL_CTX_new(TLS_client_method());
    if (ssl_ctx == NULL) {
        return ctx_failure(NULL, "cannot create TLS context", NULL, "out of memory", err, err_len);
    }
    if (SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION) != 1) {
        return ctx_failure(ssl_ctx, "cannot require TLS 1.2", NULL, "unsupported", err, err_len);
    }
    if (SSL_CTX_set_default_verify_paths(ssl_ctx) != 1) {
        return ctx_failure(ssl_ctx, "cannot load the system trust store", NULL, "unknown error", err, err_len);
    }
    if (ca_file != NULL && SSL_CTX_load_verify_locations(ssl_ctx, ca_file, NULL) != 1) {
        return ctx_failure(ssl_ctx, "cannot load CA file", ca_file, "no certificates found", err, err_len);
    }
    // set_alpn_protos is the one OpenSSL setter that returns 0 on success.
    if (alpn_len > 0 && (alpn == NULL || alpn_len > UINT_MAX ||
                         SSL_CTX_set_alpn_protos(ssl_ctx, alpn, (unsigned int)alpn_len) != 0)) {
        return ctx_failure(ssl_ctx, "invalid ALPN protocol list", NULL, "malformed", err, err_len);
    }
    SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_mode(ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // Read whole socket buffers instead of a header then a record: one read(2) per arrival.
    SSL_CTX_set_read_ahead(ssl_ctx, 1);

    struct openssl_ctx *ctx = malloc(sizeof *ctx);
    if (ctx == NULL) {
        return ctx_failure(ssl_ctx, "cannot create TLS context", NULL, "out of memory", err, err_len);
    }
    ctx->base.backend = &openssl_backend;
    ctx->ssl_ctx = ssl_ctx;
    return &ctx->base;
}

static void openssl_ctx_free(tlsshim_ctx *base) {
    struct openssl_ctx *ctx = (struct openssl_ctx *)base;
    SSL_CTX_free(ctx->ssl_ctx);
    free(ctx);
}

// Sets up SNI and the identity the certificate must match; returns the failing step or NULL.
static const char *set_peer_identity(SSL *ssl, const char *host) {
    if (tlsshim_is_ip_literal(host)) {
        // RFC 6066 forbids IP literals in SNI, so only the certificate's IP SAN is checked.
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1) return "cannot set the IP address to verify";
        return NULL;
    }
    if (SSL_set_tlsext_host_name(ssl, host) != 1) return "cannot set the server name";
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(ssl, host) != 1) return "cannot set the host name to verify";
    return NULL;
}

static long note_socket_read(BIO *bio, int oper, const char *argp, size_t len, int argi, long argl,
                             int ret, size_t *processed) {
    (void)argp;
    (void)argi;
    (void)argl;
    if (oper == (BIO_CB_READ | BIO_CB_RETURN)) {
        struct openssl_conn *conn = (struct openssl_conn *)BIO_get_callback_arg(bio);
        if (ret > 0) {
            conn->socket_drained = processed != NULL && *processed < len;
        } else {
            conn->socket_drained = BIO_should_retry(bio);
        }
    }
    return ret;
}

static tlsshim_conn *openssl_conn_new(tlsshim_ctx *base, int fd, const char *host, char *err, size_t err_len) {
    struct openssl_ctx *ctx = (struct openssl_ctx *)base;
    struct openssl_conn *conn = calloc(1, sizeof *conn);
    if (conn == NULL) {
        tlsshim_message(err, err_len, "cannot create TLS connection: out of memory");
        return NULL;
    }
    conn->base.backend = &openssl_backend;
    ERR_clear_error();
    const char *failure = NULL;
    conn->ssl = SSL_new(ctx->ssl_ctx);
    if (conn->ssl == NULL) {
        failure = "cannot create TLS connection";
    } else if (SSL_set_fd(conn->ssl, fd) != 1) {
        failure = "cannot attach the socket";
    } else {
        failure = set_peer_identity(conn->ssl, host);
    }
    if (failure != NULL) {
        const char *reason = queued_reason();
        if (reason != NULL) {
            tlsshim_message(err, err_len, "%s: %s", failure, reason);
        } else {
            tlsshim_message(err, err_len, "%s", failure);
        }
        ERR_clear_error();
        SSL_free(conn->ssl);
        free(conn);
        return NULL;
    }
    BIO *bio = SSL_get_rbio(conn->ssl);
    BIO_set_callback_arg(bio, (char *)conn);
    BIO_set_callback_ex(bio, note_socket_read);
    SSL_set_connect_state(conn->ssl);
    return &conn->base;
}

static void openssl_conn_free(tlsshim_conn *base) {
    struct openssl_conn *conn = (struct openssl_conn *)base;
    SSL_free(conn->ssl);
    free(conn);
}

enum operation { OP_HANDSHAKE, OP_READ, OP_WRITE };

// Turns a failed SSL_* call into a shim code, recording the message for fatal outcomes.
// saved_errno is errno as it was right after the call, before anything could change it.
static int classify(struct openssl_conn *conn, int ret, int saved_errno, enum operation op) {
    int code = SSL_get_error(conn->ssl, ret);
    unsigned long queued = ERR_peek_error();
    int result = TLSSHIM_ERROR;
    switch (code) {
    case SSL_ERROR_WANT_READ:
        result = TLSSHIM_WANT_READ;
        break;
    case SSL_ERROR_WANT_WRITE:
        result = TLSSHIM_WANT_WRITE;
        break;
    case SSL_ERROR_ZERO_RETURN:
        if (op == OP_READ) {
            result = TLSSHIM_CLOSED;
        } else {
            tlsshim_message(conn->base.err, sizeof conn->base.err, "connection closed by the server (close_notify)");
        }
        break;
    case SSL_ERROR_SYSCALL:
        conn->failed = 1;
        if (queued != 0) {
            const char *reason = reason_text(queued);
            tlsshim_message(conn->base.err, sizeof conn->base.err, "%s", reason ? reason : "TLS error");
        } else if (saved_errno != 0) {
            tlsshim_message(conn->base.err, sizeof conn->base.err, "%s", strerror(saved_errno));
        } else if (op == OP_READ) {
            result = TLSSHIM_CLOSED;
        } else {
            tlsshim_message(conn->base.err, sizeof conn->base.err, "connection closed by the server");
        }
        break;
    case SSL_ERROR_SSL: {
        conn->failed = 1;
        long verify = SSL_get_verify_result(conn->ssl);
        if (ERR_GET_LIB(queued) == ERR_LIB_SSL && ERR_GET_REASON(queued) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            if (op == OP_READ) {
                result = TLSSHIM_CLOSED;
            } else {
                tlsshim_message(conn->base.err, sizeof conn->base.err, "connection closed by the server");
            }
        } else if (verify != X509_V_OK) {
            tlsshim_message(conn->base.err, sizeof conn->base.err, "certificate verify failed: %s",
                          X509_verify_cert_error_string(verify));
        } else {
            const char *reason = reason_text(queued);
            tlsshim_message(conn->base.err, sizeof conn->base.err, "%s", reason ? reason : "TLS protocol error");
        }
        break;
    }
    default:
        conn->failed = 1;
        tlsshim_message(conn->base.err, sizeof conn->base.err, "unexpected TLS state %d", code);
        break;
    }
    ERR_clear_error();
    return result;
}

static int openssl_handshake(tlsshim_conn *base) {
    struct openssl_conn *conn = (struct openssl_conn *)base;
    ERR_clear_error();
    errno = 0;
    int ret = SSL_do_handshake(conn->ssl);
    if (ret == 1) return TLSSHIM_OK;
    return classify(conn, ret, errno, OP_HANDSHAKE);
}

// Bounded so the byte count always fits the ssize_t result; records are 16 KiB anyway.
static size_t bounded(size_t len) {
    return len > INT_MAX ? INT_MAX : len;
}

static ssize_t openssl_read(tlsshim_conn *base, void *buf, size_t len) {
    struct openssl_conn *conn = (struct openssl_conn *)base;
    size_t done = 0;
    ERR_clear_error();
    errno = 0;
    conn->socket_drained = 0;
    int ret = SSL_read_ex(conn->ssl, buf, bounded(len), &done);
    if (ret == 1) return (ssize_t)done;
    return classify(conn, ret, errno, OP_READ);
}

static int openssl_read_drained(tlsshim_conn *base) {
    struct openssl_conn *conn = (struct openssl_conn *)base;
    return conn->socket_drained && !SSL_has_pending(conn->ssl);
}

static ssize_t openssl_write(tlsshim_conn *base, const void *buf, size_t len) {
    struct openssl_conn *conn = (struct openssl_conn *)base;
    size_t done = 0;
    ERR_clear_error();
    errno = 0;
    int ret = SSL_write_ex(conn->ssl, buf, bounded(len), &done);
    if (ret == 1) return (ssize_t)done;
    return classify(conn, ret, errno, OP_WRITE);
}

static void openssl_shutdown(tlsshim_conn *base) {
    struct openssl_conn *conn = (struct openssl_conn *)base;
    if (conn->failed || !SSL_is_init_finished(conn->ssl)) return;
    ERR_clear_error();
    SSL_shutdown(conn->ssl);
    ERR_clear_error();
}

static size_t openssl_alpn(tlsshim_conn *base, const uint8_t **proto) {
    struct openssl_conn *conn = (struct openssl_conn *)base;
    const unsigned char *data = NULL;
    unsigned int len = 0;
    SSL_get0_alpn_selected(conn->ssl, &data, &len);
    *proto = data;
    return data == NULL ? 0 : len;
}

static const struct tlsshim_backend openssl_backend = {
    .conn_new = openssl_conn_new,
    .conn_free = openssl_conn_free,
    .ctx_free = openssl_ctx_free,
    .handshake = openssl_handshake,
    .read = openssl_read,
    .read_drained = openssl_read_drained,
    .write = openssl_write,
    .shutdown = openssl_shutdown,
    .alpn = openssl_alpn,
};

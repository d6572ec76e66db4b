// Not a normal header: it defines static functions, and each backend includes it exactly once.
// The backend code whose source is the same for OpenSSL and BoringSSL (their APIs agree here),
// compiled once into each backend against that library's headers. They cannot share one object
// file: both libraries use the same names, BoringSSL's only renamed by its prefix header.
//
// The including file has included its library's headers and defines:
//   struct backend_ctx { tlsshim_ctx base; SSL_CTX *ssl_ctx; ... };
//   struct backend_conn { tlsshim_conn base; SSL *ssl; int failed; ... };
//   static const char *reason_text(unsigned long code, char *buf, size_t len); // NULL when code is 0
//   static const char *verify_text(long code);          // a certificate verification failure
//   static int is_unexpected_eof(unsigned long code);   // the library's "peer closed mid-record" error
//   static int session_single_use(const SSL_SESSION *session); // a TLS 1.3 ticket, to offer only once
// and its backend_ctx has `struct tlsshim_session_cache *sessions`, its backend_conn
// `struct tlsshim_session_peer peer` (session_cache.h).

enum operation { OP_HANDSHAKE, OP_READ, OP_WRITE };

// Reports why building the context failed and releases it; subject names the file, if any.
// Bounded so a byte count always fits the libraries' int (and the ssize_t result); records are 16 KiB anyway.
static int bounded(size_t len) {
    return len > INT_MAX ? INT_MAX : (int)len;
}

static tlsshim_ctx *ctx_failure(SSL_CTX *ssl_ctx, const char *what, const char *subject,
                                const char *fallback, char *err, size_t err_len) {
    char buf[128];
    const char *reason = reason_text(ERR_peek_error(), buf, sizeof buf);
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

// A connection that could not be set up: reports the failing step with the library's reason.
static tlsshim_conn *conn_failure(struct backend_conn *conn, const char *failure, char *err, size_t err_len) {
    char buf[128];
    const char *reason = reason_text(ERR_peek_error(), buf, sizeof buf);
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

// The peer ended the stream: a clean end for a read, a failure for a handshake or a write.
static int ended(struct backend_conn *conn, enum operation op, const char *text) {
    if (op == OP_READ) return TLSSHIM_CLOSED;
    tlsshim_message(conn->base.err, sizeof conn->base.err, "%s", text);
    return TLSSHIM_ERROR;
}

// Turns a failed SSL_* call into a shim code, recording the message for fatal outcomes.
// saved_errno is the socket call's errno, taken before anything could change it.
static int classify(struct backend_conn *conn, int ret, int saved_errno, enum operation op) {
    int code = SSL_get_error(conn->ssl, ret);
    unsigned long queued = ERR_peek_error();
    int result = TLSSHIM_ERROR;
    char buf[128];
    switch (code) {
    case SSL_ERROR_WANT_READ:
        result = TLSSHIM_WANT_READ;
        break;
    case SSL_ERROR_WANT_WRITE:
        result = TLSSHIM_WANT_WRITE;
        break;
    case SSL_ERROR_ZERO_RETURN:
        result = ended(conn, op, "connection closed by the server (close_notify)");
        break;
    case SSL_ERROR_SYSCALL:
        conn->failed = 1;
        if (queued != 0) {
            const char *reason = reason_text(queued, buf, sizeof buf);
            tlsshim_message(conn->base.err, sizeof conn->base.err, "%s", reason ? reason : "TLS error");
        } else if (saved_errno != 0) {
            tlsshim_message(conn->base.err, sizeof conn->base.err, "%s", strerror(saved_errno));
        } else {
            result = ended(conn, op, "connection closed by the server");
        }
        break;
    case SSL_ERROR_SSL: {
        conn->failed = 1;
        long verify = SSL_get_verify_result(conn->ssl);
        if (is_unexpected_eof(queued)) {
            result = ended(conn, op, "connection closed by the server");
        } else if (verify != X509_V_OK) {
            tlsshim_message(conn->base.err, sizeof conn->base.err, "certificate verify failed: %s",
                            verify_text(verify));
        } else {
            const char *reason = reason_text(queued, buf, sizeof buf);
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

// Session resumption: the library's half of session_cache.c.
static void session_up_ref(void *session) {
    SSL_SESSION_up_ref(session);
}

static void session_free(void *session) {
    SSL_SESSION_free(session);
}

static const struct tlsshim_session_ops session_ops = {.up_ref = session_up_ref, .free = session_free};

// Each session the server grants: a TLS 1.2 one as the handshake ends, each TLS 1.3 ticket when it
// arrives (during a later read). Returns 1 when the cache took the reference.
static int save_session(SSL *ssl, SSL_SESSION *session) {
    const struct tlsshim_session_peer *peer = SSL_get_app_data(ssl);
    if (peer == NULL || peer->cache == NULL || peer->key[0] == '\0' || !SSL_SESSION_is_resumable(session)) return 0;
    uint64_t expires_at = (uint64_t)SSL_SESSION_get_time(session) + (uint64_t)SSL_SESSION_get_timeout(session);
    tlsshim_session_cache_put(peer, session, session_single_use(session), expires_at);
    return 1;
}

// The context's cache, NULL when out of memory. The library's own store stays off: a client's
// cannot be looked up by peer, so sessions go only to session_cache.c, through save_session.
static struct tlsshim_session_cache *enable_resumption(SSL_CTX *ssl_ctx) {
    SSL_CTX_set_session_cache_mode(ssl_ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
    SSL_CTX_sess_set_new_cb(ssl_ctx, save_session);
    return tlsshim_session_cache_new(&session_ops);
}

// Names the peer whose sessions conn saves and takes the saved session to offer it: a reference the
// caller frees, or NULL. Taken once per connection, since a TLS 1.3 ticket leaves the cache here.
static SSL_SESSION *take_session(struct backend_conn *conn, struct tlsshim_session_cache *cache, const char *host,
                                 uint16_t port, uint32_t scope) {
    tlsshim_session_peer_init(&conn->peer, cache, host, port, scope);
    return tlsshim_session_cache_take(&conn->peer);
}

// Before the handshake: lets conn->ssl save the sessions it is granted and offers session, if any.
// One the library refuses is simply not offered: the handshake is then a full one, as is one whose
// session the server rejects.
static void offer_session(struct backend_conn *conn, SSL_SESSION *session) {
    SSL_set_app_data(conn->ssl, &conn->peer);
    if (session != NULL && SSL_set_session(conn->ssl, session) != 1) ERR_clear_error();
}

static int backend_session_reused(tlsshim_conn *base) {
    struct backend_conn *conn = (struct backend_conn *)base;
    return SSL_session_reused(conn->ssl) == 1;
}

static void backend_ctx_free(tlsshim_ctx *base) {
    struct backend_ctx *ctx = (struct backend_ctx *)base;
    tlsshim_session_cache_free(ctx->sessions);
    SSL_CTX_free(ctx->ssl_ctx);
    free(ctx);
}

static void backend_conn_free(tlsshim_conn *base) {
    struct backend_conn *conn = (struct backend_conn *)base;
    SSL_free(conn->ssl);
    free(conn);
}

// Sends close_notify, best effort; pointless (and refused by OpenSSL) after a fatal error.
static void backend_shutdown(tlsshim_conn *base) {
    struct backend_conn *conn = (struct backend_conn *)base;
    if (conn->failed || !SSL_is_init_finished(conn->ssl)) return;
    ERR_clear_error();
    SSL_shutdown(conn->ssl);
    ERR_clear_error();
}

static size_t backend_alpn(tlsshim_conn *base, const uint8_t **proto) {
    struct backend_conn *conn = (struct backend_conn *)base;
    const unsigned char *data = NULL;
    unsigned int len = 0;
    SSL_get0_alpn_selected(conn->ssl, &data, &len);
    *proto = data;
    return data == NULL ? 0 : len;
}

// BoringSSL backend of the TLS shim (client side only): the browser profiles. BoringSSL is the
// copy inside swift-nio-ssl (module CNIOBoringSSL); its symbols are prefixed, so it links beside
// OpenSSL. The profile table decides the ClientHello; verification is the same as OpenSSL's.
//
// As in openssl.c, the error queue is per thread, so every call starts and ends with it empty.
#include "backend.h"
#include "boring_profile.h"
#include "cert_decompression.h"
#include "hello_tail.h"
#include "session_cache.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CNIOBoringSSL.h>

// BoringSSL has no default trust store path; this is Debian's and Ubuntu's bundle, the file
// OpenSSL's default paths lead to there.
static const char system_ca_bundle[] = "/etc/ssl/certs/ca-certificates.crt";

// BoringSSL reads only what the record layer asks for (a header, then the body): two read(2)
// per record. The BIO below reads whole socket buffers instead, as OpenSSL's read-ahead does.
enum { READ_AHEAD = 16384 + 2048 + 5 };

// A final_padding profile's first flight (one ClientHello record) is held back while it is checked.
// Those profiles' hellos are a few hundred bytes, even with a 253-byte host name; a larger one does
// not fit and is simply sent unchecked (see probe_final_padding).
enum { HELD_MAX = 2048 };

// Each attempt is a fresh hello with its own permutation, ending in padding with odds of (empty
// extensions sent) / 31 (BoringSSL's extension table): 3/31 for Edge, 2/31 for OkHttp, 1/31 for OkHttp
// resuming a TLS 1.2 session (its ticket fills session_ticket). At 256 attempts a miss is about
// 4e-12, 4e-8 and 2e-4 of connections; 64 would miss 1.4% of OkHttp's full handshakes. An attempt
// (a new SSL, its key share, the hello) takes about 20 us in a release build: on average Edge needs 10
// attempts, OkHttp 16, so about 0.2 and 0.3 ms per connection (99th percentile 1 and 1.3 ms).
enum { FINAL_PADDING_ATTEMPTS = 256 };

static const struct tlsshim_backend boring_backend;

struct backend_ctx {
    tlsshim_ctx base;
    SSL_CTX *ssl_ctx;
    const struct tlsshim_boring_profile *profile;
    int offers_h2;
    struct tlsshim_session_cache *sessions;
};

struct backend_conn {
    tlsshim_conn base;
    SSL *ssl;
    int fd;
    int failed;          // SSL_shutdown is pointless after a fatal error
    int socket_drained;  // the last read(2) came back short or would block
    int socket_errno;      // errno of a failed read(2)/send(2), kept before anything changes it
    struct tlsshim_session_peer peer;
    int probing;         // socket writes go to held and reads find nothing: the hello is built, not sent
    size_t held_len;     // held bytes still to send, from held_sent on
    size_t held_sent;
    size_t ahead_start;
    size_t ahead_end;
    uint8_t ahead[READ_AHEAD];
    uint8_t held[HELD_MAX];
};

// OpenSSL 3's wording for the verification failures people see most, so both backends report
// the same text; everything else uses BoringSSL's own.
static const struct {
    long code;
    const char *text;
} verify_texts[] = {
    {X509_V_ERR_HOSTNAME_MISMATCH, "hostname mismatch"},
    {X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, "self-signed certificate"},
    {X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, "self-signed certificate in certificate chain"},
};

static const char *verify_text(long code) {
    for (size_t i = 0; i < sizeof verify_texts / sizeof verify_texts[0]; i++) {
        if (verify_texts[i].code == code) return verify_texts[i].text;
    }
    return X509_verify_cert_error_string(code);
}

// BoringSSL's reason strings are identifiers (NO_CERTIFICATE_OR_CRL_FOUND); OpenSSL's are the
// same words in lower case, which is what callers and logs already show.
static const char *reason_text(unsigned long code, char *buf, size_t len) {
    if (code == 0) return NULL;
    if (ERR_GET_LIB(code) == ERR_LIB_SYS) return strerror(ERR_GET_REASON(code));
    const char *reason = ERR_reason_error_string(code);
    if (reason == NULL) return NULL;
    size_t i = 0;
    for (; reason[i] != '\0' && i + 1 < len; i++) {
        char c = reason[i];
        buf[i] = c == '_' ? ' ' : (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    buf[i] = '\0';
    return buf;
}

// BoringSSL reports a peer that closed mid-record as a plain EOF (SSL_ERROR_SYSCALL, empty queue).
static int is_unexpected_eof(unsigned long code) {
    (void)code;
    return 0;
}

static int session_single_use(const SSL_SESSION *session) {
    return SSL_SESSION_should_be_single_use(session);
}

#include "ssl_common.h"

// Whether the wire-format ALPN list names h2, the only protocol with ALPS settings.
static int alpn_offers_h2(const uint8_t *alpn, size_t alpn_len) {
    size_t i = 0;
    while (i < alpn_len) {
        size_t n = alpn[i];
        if (n == 2 && i + 2 < alpn_len && alpn[i + 1] == 'h' && alpn[i + 2] == '2') return 1;
        i += 1 + n;
    }
    return 0;
}

static const char *apply_profile(SSL_CTX *ssl_ctx, const struct tlsshim_boring_profile *profile) {
    if (SSL_CTX_set_strict_cipher_list(ssl_ctx, profile->cipher_list) != 1) return "cannot set the cipher list";
    if (SSL_CTX_set1_group_ids(ssl_ctx, profile->groups, profile->group_count) != 1) return "cannot set the groups";
    if (SSL_CTX_set_verify_algorithm_prefs(ssl_ctx, profile->sigalgs, profile->sigalg_count) != 1) {
        return "cannot set the signature algorithms";
    }
    if (profile->trust_anchors != NULL &&
        SSL_CTX_set1_requested_trust_anchors(ssl_ctx, profile->trust_anchors, profile->trust_anchors_len) != 1) {
        return "cannot set the requested trust anchors";
    }
    for (size_t i = 0; i < profile->cert_compression_count; i++) {
        if (tlsshim_add_cert_decompression(ssl_ctx, profile->cert_compression[i]) != 1) {
            return "cannot enable certificate compression";
        }
    }
    SSL_CTX_set_grease_enabled(ssl_ctx, profile->grease);
    SSL_CTX_set_grease_sigalgs_enabled(ssl_ctx, profile->grease_sigalgs);
    SSL_CTX_set_permute_extensions(ssl_ctx, profile->permute_extensions || profile->final_padding);
    if (profile->ocsp_stapling) SSL_CTX_enable_ocsp_stapling(ssl_ctx);
    if (profile->signed_cert_timestamps) SSL_CTX_enable_signed_cert_timestamps(ssl_ctx);
    if (profile->no_session_tickets) SSL_CTX_set_options(ssl_ctx, SSL_OP_NO_TICKET);
    return NULL;
}

tlsshim_ctx *tlsshim_boring_ctx_new(const struct tlsshim_boring_profile *profile, const char *ca_file,
                                    const uint8_t *alpn, size_t alpn_len, char *err, size_t err_len) {
    ERR_clear_error();
    SSL_CTX *ssl_ctx = SSL_CTX_new(TLS_method());
    if (ssl_ctx == NULL) {
        return ctx_failure(NULL, "cannot create TLS context", NULL, "out of memory", err, err_len);
    }
    if (SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION) != 1) {
        return ctx_failure(ssl_ctx, "cannot require TLS 1.2", NULL, "unsupported", err, err_len);
    }
    // A missing bundle is not fatal, as with OpenSSL's default paths: the CA file may be all
    // there is. Any other failure (an unreadable or corrupt bundle) is.
    if (SSL_CTX_load_verify_locations(ssl_ctx, system_ca_bundle, NULL) != 1) {
        uint32_t code = ERR_peek_error();
        if (!(ERR_GET_LIB(code) == ERR_LIB_SYS && ERR_GET_REASON(code) == ENOENT)) {
            return ctx_failure(ssl_ctx, "cannot load the system trust store", system_ca_bundle, "unknown error",
                               err, err_len);
        }
        ERR_clear_error();
    }
    if (ca_file != NULL && SSL_CTX_load_verify_locations(ssl_ctx, ca_file, NULL) != 1) {
        return ctx_failure(ssl_ctx, "cannot load CA file", ca_file, "no certificates found", err, err_len);
    }
    // set_alpn_protos returns 0 on success, like OpenSSL's.
    if (alpn_len > 0 && (alpn == NULL || SSL_CTX_set_alpn_protos(ssl_ctx, alpn, alpn_len) != 0)) {
        return ctx_failure(ssl_ctx, "invalid ALPN protocol list", NULL, "malformed", err, err_len);
    }
    const char *failure = apply_profile(ssl_ctx, profile);
    if (failure != NULL) return ctx_failure(ssl_ctx, failure, NULL, "rejected", err, err_len);
    SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_mode(ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

    struct backend_ctx *ctx = malloc(sizeof *ctx);
    struct tlsshim_session_cache *sessions = ctx != NULL ? enable_resumption(ssl_ctx) : NULL;
    if (sessions == NULL) {
        free(ctx);
        return ctx_failure(ssl_ctx, "cannot create TLS context", NULL, "out of memory", err, err_len);
    }
    ctx->base.backend = &boring_backend;
    ctx->sessions = sessions;
    ctx->ssl_ctx = ssl_ctx;
    ctx->profile = profile;
    ctx->offers_h2 = alpn != NULL && alpn_offers_h2(alpn, alpn_len);
    return &ctx->base;
}

static int would_block(int code) {
    return code == EAGAIN || code == EWOULDBLOCK;
}

// The socket BIO: read(2) into the read-ahead buffer, send(2) straight from BoringSSL's (or, while
// probing, into held).
static int socket_read(BIO *bio, char *out, int len) {
    struct backend_conn *conn = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    if (len <= 0) return 0;
    if (conn->probing) {
        // Nothing was sent, so nothing can have arrived: the handshake stops here, the hello built.
        BIO_set_retry_read(bio);
        return -1;
    }
    if (conn->ahead_start == conn->ahead_end) {
        ssize_t n;
        do {
            n = read(conn->fd, conn->ahead, sizeof conn->ahead);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            conn->socket_errno = errno;
            conn->socket_drained = would_block(errno);
            if (conn->socket_drained) BIO_set_retry_read(bio);
            return -1;
        }
        if (n == 0) return 0;
        conn->socket_drained = (size_t)n < sizeof conn->ahead;
        conn->ahead_start = 0;
        conn->ahead_end = (size_t)n;
    }
    size_t available = conn->ahead_end - conn->ahead_start;
    size_t count = available < (size_t)len ? available : (size_t)len;
    memcpy(out, conn->ahead + conn->ahead_start, count);
    conn->ahead_start += count;
    return (int)count;
}

// send(2) without SIGPIPE; on failure keeps errno in conn->socket_errno.
static ssize_t send_socket(struct backend_conn *conn, const void *in, size_t len) {
    ssize_t n;
    do {
        n = send(conn->fd, in, len, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) conn->socket_errno = errno;
    return n;
}

static int socket_write(BIO *bio, const char *in, int len) {
    struct backend_conn *conn = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    if (len <= 0) return 0;
    if (conn->probing) {
        if ((size_t)len > sizeof conn->held - conn->held_len) {
            conn->socket_errno = EMSGSIZE;
            return -1;
        }
        memcpy(conn->held + conn->held_len, in, (size_t)len);
        conn->held_len += (size_t)len;
        return len;
    }
    ssize_t n = send_socket(conn, in, (size_t)len);
    if (n < 0) {
        if (would_block(conn->socket_errno)) BIO_set_retry_write(bio);
        return -1;
    }
    return (int)n;
}

// Sends what probing held back, if anything, before anything else the connection does. Sends until
// done or the socket is full, so a WANT_WRITE caller waiting for EPOLLOUT is woken by the next edge.
static int send_held(struct backend_conn *conn) {
    while (conn->held_sent < conn->held_len) {
        ssize_t n = send_socket(conn, conn->held + conn->held_sent, conn->held_len - conn->held_sent);
        if (n < 0) {
            if (would_block(conn->socket_errno)) return TLSSHIM_WANT_WRITE;
            conn->failed = 1;
            tlsshim_message(conn->base.err, sizeof conn->base.err, "%s", strerror(conn->socket_errno));
            return TLSSHIM_ERROR;
        }
        conn->held_sent += (size_t)n;
    }
    conn->held_len = 0;
    conn->held_sent = 0;
    return TLSSHIM_OK;
}

static long socket_ctrl(BIO *bio, int cmd, long larg, void *parg) {
    (void)bio;
    (void)larg;
    (void)parg;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static BIO_METHOD *socket_method;
static pthread_once_t socket_method_once = PTHREAD_ONCE_INIT;

static void make_socket_method(void) {
    BIO_METHOD *method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tlsshim socket");
    if (method == NULL) return;
    if (BIO_meth_set_read(method, socket_read) != 1 || BIO_meth_set_write(method, socket_write) != 1 ||
        BIO_meth_set_ctrl(method, socket_ctrl) != 1) {
        BIO_meth_free(method);
        return;
    }
    socket_method = method;
}

// The per-connection half of the profile: BoringSSL offers these only on the SSL object.
static const char *apply_connection_profile(SSL *ssl, const struct backend_ctx *ctx) {
    const struct tlsshim_boring_profile *profile = ctx->profile;
    if (profile->key_share_count > 0 &&
        SSL_set1_client_key_shares(ssl, profile->key_shares, profile->key_share_count) != 1) {
        return "cannot set the key shares";
    }
    if (profile->alps && ctx->offers_h2) {
        static const uint8_t h2[] = {'h', '2'};
        if (SSL_add_application_settings(ssl, h2, sizeof h2, profile->alps_h2_settings,
                                         profile->alps_h2_settings_len) != 1) {
            return "cannot set the application settings";
        }
        SSL_set_alps_use_new_codepoint(ssl, profile->alps_new_codepoint);
    }
    SSL_set_enable_ech_grease(ssl, profile->ech_grease);
    return NULL;
}

// Everything a connection's SSL object carries, so each probe attempt is exactly a fresh connection;
// returns the failing step or NULL. conn->ssl is set even on failure, for conn_failure to free.
static const char *start_ssl(struct backend_conn *conn, const struct backend_ctx *ctx, const char *host,
                             SSL_SESSION *session) {
    conn->ssl = SSL_new(ctx->ssl_ctx);
    if (conn->ssl == NULL) return "cannot create TLS connection";
    BIO *bio = BIO_new(socket_method);
    if (bio == NULL) return "cannot attach the socket";
    BIO_set_data(bio, conn);
    BIO_set_init(bio, 1);
    SSL_set_bio(conn->ssl, bio, bio);
    const char *failure = set_peer_identity(conn->ssl, host);
    if (failure == NULL) failure = apply_connection_profile(conn->ssl, ctx);
    if (failure != NULL) return failure;
    offer_session(conn, session);
    SSL_set_connect_state(conn->ssl);
    return NULL;
}

// The last extension of the hello conn->ssl builds, which stays held for send_held; -1 when the
// library failed or wrote something other than one ClientHello record that fits held.
static int build_hello(struct backend_conn *conn) {
    conn->held_len = 0;
    conn->probing = 1;
    int ret = SSL_do_handshake(conn->ssl);
    conn->probing = 0;
    int built = ret < 0 && SSL_get_error(conn->ssl, ret) == SSL_ERROR_WANT_READ;
    ERR_clear_error();
    return built ? tlsshim_hello_last_extension(conn->held, conn->held_len) : -1;
}

// For final_padding profiles: builds hellos on fresh SSL objects until one ends in padding, and keeps
// that one's bytes to send. Re-offering the same session keeps a taken ticket in every attempt. A hello
// offering a TLS 1.3 session never pads in this BoringSSL (pre_shared_key must come last, and padding
// is added only without it), so it is sent as the first attempt built it: the reference hellos are
// full handshakes. After the last attempt the hello goes out as built. A hello that cannot be
// built or held is discarded and the handshake runs unprobed on a fresh SSL, reporting any error itself.
static const char *probe_final_padding(struct backend_conn *conn, const struct backend_ctx *ctx, const char *host,
                                       SSL_SESSION *session) {
    for (int attempt = 1;; attempt++) {
        int last = build_hello(conn);
        if (last == TLSEXT_TYPE_padding || last == TLSEXT_TYPE_pre_shared_key ||
            (last >= 0 && attempt == FINAL_PADDING_ATTEMPTS)) {
            return NULL;
        }
        SSL_free(conn->ssl);
        conn->held_len = 0;
        const char *failure = start_ssl(conn, ctx, host, session);
        if (failure != NULL || last < 0) return failure;
    }
}

static tlsshim_conn *boring_conn_new(tlsshim_ctx *base, int fd, const char *host, uint16_t port, uint32_t scope,
                                     char *err, size_t err_len) {
    struct backend_ctx *ctx = (struct backend_ctx *)base;
    pthread_once(&socket_method_once, make_socket_method);
    struct backend_conn *conn = malloc(sizeof *conn);
    if (conn == NULL || socket_method == NULL) {
        free(conn);
        tlsshim_message(err, err_len, "cannot create TLS connection: out of memory");
        return NULL;
    }
    // Everything but the buffers, which are only ever read after being filled.
    memset(conn, 0, offsetof(struct backend_conn, ahead));
    conn->base.backend = &boring_backend;
    conn->fd = fd;
    ERR_clear_error();
    SSL_SESSION *session = take_session(conn, ctx->sessions, host, port, scope);
    const char *failure = start_ssl(conn, ctx, host, session);
    if (failure == NULL && ctx->profile->final_padding) failure = probe_final_padding(conn, ctx, host, session);
    SSL_SESSION_free(session);
    if (failure != NULL) return conn_failure(conn, failure, err, err_len);
    return &conn->base;
}

static int boring_handshake(tlsshim_conn *base) {
    struct backend_conn *conn = (struct backend_conn *)base;
    ERR_clear_error();
    conn->socket_errno = 0;
    int sent = send_held(conn);
    if (sent != TLSSHIM_OK) return sent;
    int ret = SSL_do_handshake(conn->ssl);
    if (ret == 1) return TLSSHIM_OK;
    return classify(conn, ret, conn->socket_errno, OP_HANDSHAKE);
}

static ssize_t boring_read(tlsshim_conn *base, void *buf, size_t len) {
    struct backend_conn *conn = (struct backend_conn *)base;
    ERR_clear_error();
    conn->socket_errno = 0;
    conn->socket_drained = 0;
    int sent = send_held(conn);
    if (sent != TLSSHIM_OK) return sent;
    int ret = SSL_read(conn->ssl, buf, bounded(len));
    if (ret > 0) return ret;
    return classify(conn, ret, conn->socket_errno, OP_READ);
}

static int boring_read_drained(tlsshim_conn *base) {
    struct backend_conn *conn = (struct backend_conn *)base;
    return conn->socket_drained && conn->ahead_start == conn->ahead_end && !SSL_has_pending(conn->ssl);
}

static ssize_t boring_write(tlsshim_conn *base, const void *buf, size_t len) {
    struct backend_conn *conn = (struct backend_conn *)base;
    ERR_clear_error();
    conn->socket_errno = 0;
    int sent = send_held(conn);
    if (sent != TLSSHIM_OK) return sent;
    int ret = SSL_write(conn->ssl, buf, bounded(len));
    if (ret > 0) return ret;
    return classify(conn, ret, conn->socket_errno, OP_WRITE);
}

static const struct tlsshim_backend boring_backend = {
    .conn_new = boring_conn_new,
    .conn_free = backend_conn_free,
    .ctx_free = backend_ctx_free,
    .handshake = boring_handshake,
    .read = boring_read,
    .read_drained = boring_read_drained,
    .write = boring_write,
    .shutdown = backend_shutdown,
    .alpn = backend_alpn,
    .session_reused = backend_session_reused,
};

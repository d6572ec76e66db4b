// The capture listener of `proxyd fingerprint` (see CTLSShimCapture.h). OpenSSL 3.0 APIs only; the
// socket is blocking with receive/send timeouts, since this runs once on its own thread.
// memmem and accept4.
#define _GNU_SOURCE
#include "CTLSShimCapture.h"
#include "backend.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

enum { HELLO_MAX = 65536, REQUEST_MAX = 65536 };

struct tlsshim_capture {
    int listen_fd;
    uint16_t port;
    SSL_CTX *ssl_ctx;
    // The accepted connection stays open until the capture is freed, so the client reads the whole
    // answer before any close (a close with unread input would reset the connection).
    int conn_fd;
    SSL *ssl;
    uint8_t hello[HELLO_MAX];
    uint8_t request[REQUEST_MAX];
    char alpn[64];
};

static void openssl_failure(char *err, size_t err_len, const char *what) {
    unsigned long code = ERR_peek_last_error();
    const char *reason = code != 0 ? ERR_reason_error_string(code) : NULL;
    tlsshim_message(err, err_len, "%s: %s", what, reason != NULL ? reason : strerror(errno));
    ERR_clear_error();
}

static int add_extension(X509 *cert, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL) return 0;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

// A self-signed P-256 certificate for localhost, valid for a day: trusted directly through the CA file.
static X509 *make_certificate(EVP_PKEY *key) {
    X509 *cert = X509_new();
    if (cert == NULL) return NULL;
    uint64_t serial = 0;
    if (RAND_bytes((unsigned char *)&serial, sizeof serial) != 1) goto fail;
    serial >>= 1; // positive
    if (X509_set_version(cert, 2) != 1) goto fail;
    if (ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial) != 1) goto fail;
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_NAME *name = X509_get_subject_name(cert);
    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0) != 1) goto fail;
    if (X509_set_issuer_name(cert, name) != 1) goto fail;
    if (X509_set_pubkey(cert, key) != 1) goto fail;
    if (!add_extension(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1")) goto fail;
    if (!add_extension(cert, NID_ext_key_usage, "serverAuth")) goto fail;
    if (X509_sign(cert, key, EVP_sha256()) == 0) goto fail;
    return cert;
fail:
    X509_free(cert);
    return NULL;
}

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg) {
    (void)ssl;
    (void)arg;
    static const unsigned char ours[] = "\x02h2\x08http/1.1";
    unsigned char *selected = NULL;
    if (SSL_select_next_proto(&selected, outlen, ours, sizeof ours - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

static int make_context(tlsshim_capture *capture, const char *cert_path, char *err, size_t err_len) {
    EVP_PKEY *key = EVP_EC_gen("P-256");
    if (key == NULL) {
        openssl_failure(err, err_len, "key generation");
        return -1;
    }
    X509 *cert = make_certificate(key);
    int ok = -1;
    FILE *file = NULL;
    if (cert == NULL) {
        openssl_failure(err, err_len, "certificate");
        goto done;
    }
    file = fopen(cert_path, "w");
    if (file == NULL || PEM_write_X509(file, cert) != 1) {
        tlsshim_message(err, err_len, "cannot write %s: %s", cert_path, strerror(errno));
        goto done;
    }
    capture->ssl_ctx = SSL_CTX_new(TLS_server_method());
    if (capture->ssl_ctx == NULL || SSL_CTX_use_certificate(capture->ssl_ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey(capture->ssl_ctx, key) != 1) {
        openssl_failure(err, err_len, "server context");
        goto done;
    }
    SSL_CTX_set_alpn_select_cb(capture->ssl_ctx, alpn_select, NULL);
    ok = 0;
done:
    if (file != NULL) fclose(file);
    X509_free(cert);
    EVP_PKEY_free(key);
    return ok;
}

tlsshim_capture *tlsshim_capture_new(const char *cert_path, char *err, size_t err_len) {
    tlsshim_capture *capture = calloc(1, sizeof *capture);
    if (capture == NULL) {
        tlsshim_message(err, err_len, "out of memory");
        return NULL;
    }
    capture->conn_fd = -1;
    capture->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    if (capture->listen_fd < 0 || bind(capture->listen_fd, (struct sockaddr *)&address, length) != 0 ||
        listen(capture->listen_fd, 1) != 0 || getsockname(capture->listen_fd, (struct sockaddr *)&address, &length) != 0) {
        tlsshim_message(err, err_len, "capture listener: %s", strerror(errno));
        tlsshim_capture_free(capture);
        return NULL;
    }
    capture->port = ntohs(address.sin_port);
    if (make_context(capture, cert_path, err, err_len) != 0) {
        tlsshim_capture_free(capture);
        return NULL;
    }
    return capture;
}

uint16_t tlsshim_capture_port(const tlsshim_capture *capture) { return capture->port; }

// The length of the leading TLS records that hold the whole ClientHello, 0 when more are needed, -1
// when the bytes are not TLS handshake records.
static ssize_t hello_records_length(const uint8_t *buf, size_t len) {
    size_t offset = 0, carried = 0, needed = 0;
    uint8_t header[4];
    while (offset + 5 <= len) {
        if (buf[offset] != 22) return -1;
        size_t record = ((size_t)buf[offset + 3] << 8) | buf[offset + 4];
        if (offset + 5 + record > len) return 0;
        for (size_t i = 0; i < record && carried + i < 4; i++) header[carried + i] = buf[offset + 5 + i];
        carried += record;
        offset += 5 + record;
        if (carried >= 4) needed = 4 + (((size_t)header[1] << 16) | ((size_t)header[2] << 8) | header[3]);
        if (needed != 0 && carried >= needed) return (ssize_t)offset;
    }
    return 0;
}

static long long now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int peek_hello(tlsshim_capture *capture, int timeout_ms, size_t *hello_len, char *err, size_t err_len) {
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        ssize_t got = recv(capture->conn_fd, capture->hello, HELLO_MAX, MSG_PEEK);
        if (got <= 0) {
            tlsshim_message(err, err_len, "no ClientHello: %s", got == 0 ? "connection closed" : strerror(errno));
            return -1;
        }
        ssize_t whole = hello_records_length(capture->hello, (size_t)got);
        if (whole < 0 || (whole == 0 && got == HELLO_MAX)) {
            tlsshim_message(err, err_len, "the client did not send a TLS ClientHello");
            return -1;
        }
        if (whole > 0) {
            *hello_len = (size_t)whole;
            return 0;
        }
        // A peek returns at once while anything is queued (even after the peer closed), so poll cannot
        // wait for more: sleep briefly, up to the deadline.
        if (now_ms() > deadline) {
            tlsshim_message(err, err_len, "incomplete ClientHello after %d ms", timeout_ms);
            return -1;
        }
        usleep(1000);
    }
}

static const uint8_t h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// The stream id of the first complete HEADERS block (HEADERS plus any CONTINUATION), 0 while incomplete.
static uint32_t h2_first_headers(const uint8_t *buf, size_t len) {
    size_t offset = sizeof h2_preface - 1;
    uint32_t stream = 0;
    while (offset + 9 <= len) {
        size_t length = ((size_t)buf[offset] << 16) | ((size_t)buf[offset + 1] << 8) | buf[offset + 2];
        uint8_t type = buf[offset + 3], flags = buf[offset + 4];
        uint32_t id = ((uint32_t)(buf[offset + 5] & 0x7f) << 24) | ((uint32_t)buf[offset + 6] << 16) |
                      ((uint32_t)buf[offset + 7] << 8) | buf[offset + 8];
        if (offset + 9 + length > len) return 0;
        if (type == 1) stream = id;
        if ((type == 1 || type == 9) && (flags & 0x4) != 0 && stream != 0) return stream;
        offset += 9 + length;
    }
    return 0;
}

static int read_request(tlsshim_capture *capture, int h2, size_t *request_len, uint32_t *stream,
                        char *err, size_t err_len) {
    size_t len = 0;
    for (;;) {
        if (len == REQUEST_MAX) {
            tlsshim_message(err, err_len, "request too large");
            return -1;
        }
        int got = SSL_read(capture->ssl, capture->request + len, (int)(REQUEST_MAX - len));
        if (got <= 0) {
            openssl_failure(err, err_len, "reading the request");
            return -1;
        }
        len += (size_t)got;
        if (h2) {
            if (len >= sizeof h2_preface - 1 && memcmp(capture->request, h2_preface, sizeof h2_preface - 1) != 0) {
                tlsshim_message(err, err_len, "h2 was negotiated but no HTTP/2 preface came");
                return -1;
            }
            *stream = h2_first_headers(capture->request, len);
            if (*stream != 0) break;
        } else if (memmem(capture->request, len, "\r\n\r\n", 4) != NULL) {
            break;
        }
    }
    *request_len = len;
    return 0;
}

static int answer(tlsshim_capture *capture, int h2, uint32_t stream) {
    uint8_t frames[] = {
        0, 0, 0, 4, 0, 0, 0, 0, 0,    // SETTINGS, none
        0, 0, 0, 4, 1, 0, 0, 0, 0,    // SETTINGS ack
        0, 0, 1, 1, 0x5, (uint8_t)(stream >> 24), (uint8_t)(stream >> 16), (uint8_t)(stream >> 8), (uint8_t)stream,
        0x88,                         // HEADERS END_STREAM|END_HEADERS: :status 200 (static index 8)
    };
    static const char head[] = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
    const void *data = h2 ? (const void *)frames : (const void *)head;
    int len = h2 ? (int)sizeof frames : (int)sizeof head - 1;
    return SSL_write(capture->ssl, data, len) == len ? 0 : -1;
}

int tlsshim_capture_accept(tlsshim_capture *capture, int timeout_ms, tlsshim_capture_result *result,
                           char *err, size_t err_len) {
    if (capture->conn_fd >= 0) {
        tlsshim_message(err, err_len, "the capture takes one connection");
        return -1;
    }
    struct pollfd entry = {.fd = capture->listen_fd, .events = POLLIN};
    if (poll(&entry, 1, timeout_ms) != 1) {
        tlsshim_message(err, err_len, "no connection within %d ms", timeout_ms);
        return -1;
    }
    capture->conn_fd = accept4(capture->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (capture->conn_fd < 0) {
        tlsshim_message(err, err_len, "accept: %s", strerror(errno));
        return -1;
    }
    struct timeval timeout = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    setsockopt(capture->conn_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(capture->conn_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);

    size_t hello_len = 0;
    if (peek_hello(capture, timeout_ms, &hello_len, err, err_len) != 0) return -1;
    ERR_clear_error();
    capture->ssl = SSL_new(capture->ssl_ctx);
    if (capture->ssl == NULL || SSL_set_fd(capture->ssl, capture->conn_fd) != 1 || SSL_accept(capture->ssl) != 1) {
        openssl_failure(err, err_len, "handshake");
        return -1;
    }
    const unsigned char *proto = NULL;
    unsigned int proto_len = 0;
    SSL_get0_alpn_selected(capture->ssl, &proto, &proto_len);
    if (proto_len >= sizeof capture->alpn) proto_len = 0;
    if (proto_len > 0) memcpy(capture->alpn, proto, proto_len);
    capture->alpn[proto_len] = 0;
    int h2 = strcmp(capture->alpn, "h2") == 0;

    size_t request_len = 0;
    uint32_t stream = 0;
    if (read_request(capture, h2, &request_len, &stream, err, err_len) != 0) return -1;
    if (answer(capture, h2, stream) != 0) {
        openssl_failure(err, err_len, "writing the answer");
        return -1;
    }
    result->client_hello = capture->hello;
    result->client_hello_len = hello_len;
    result->request = capture->request;
    result->request_len = request_len;
    result->alpn = capture->alpn;
    result->version = SSL_get_version(capture->ssl);
    return 0;
}

void tlsshim_capture_free(tlsshim_capture *capture) {
    if (capture == NULL) return;
    SSL_free(capture->ssl);
    SSL_CTX_free(capture->ssl_ctx);
    if (capture->conn_fd >= 0) close(capture->conn_fd);
    if (capture->listen_fd >= 0) close(capture->listen_fd);
    free(capture);
}

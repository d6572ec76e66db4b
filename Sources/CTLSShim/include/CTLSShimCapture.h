// The server side of `proxyd fingerprint`: a one-connection loopback TLS listener that records what a
// client sends (its ClientHello and its first request) and answers 200. A blocking diagnostic, never
// on the data path; OpenSSL only.
#ifndef CTLSSHIM_CAPTURE_H
#define CTLSSHIM_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

typedef struct tlsshim_capture tlsshim_capture;

/// What one connection showed. The buffers are owned by the capture and valid until it is freed.
typedef struct {
    const uint8_t *client_hello;  // the raw TLS records holding the ClientHello
    size_t client_hello_len;
    const uint8_t *request;       // after the handshake: the HTTP/2 preface through the first HEADERS, or an HTTP/1.1 head
    size_t request_len;
    const char *alpn;             // negotiated protocol, "" when none
    const char *version;          // e.g. "TLSv1.3"
} tlsshim_capture_result;

/// Listens on 127.0.0.1 (kernel-chosen port) with a fresh self-signed certificate for localhost and
/// 127.0.0.1, whose PEM it writes to cert_path so a client can trust it. NULL and a message in err on failure.
tlsshim_capture *tlsshim_capture_new(const char *cert_path, char *err, size_t err_len);
uint16_t tlsshim_capture_port(const tlsshim_capture *capture);
/// Accepts one connection and records it; waits at most timeout_ms for each step. 0 on success,
/// -1 with a message in err.
int tlsshim_capture_accept(tlsshim_capture *capture, int timeout_ms, tlsshim_capture_result *result,
                           char *err, size_t err_len);
void tlsshim_capture_free(tlsshim_capture *capture);

#endif

// Certificate decompression (RFC 8879) for the BoringSSL backend: the algorithms a profile offers
// must be ones the client can undo, whichever the server picks.
#ifndef CTLSSHIM_CERT_DECOMPRESSION_H
#define CTLSSHIM_CERT_DECOMPRESSION_H

#include <stdint.h>

#include <CNIOBoringSSL.h>

// Registers decompression for one TLSSHIM_CERT_* algorithm; 0 if unknown or refused.
int tlsshim_add_cert_decompression(SSL_CTX *ssl_ctx, uint16_t algorithm);

#endif

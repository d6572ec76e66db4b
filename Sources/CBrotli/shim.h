// libbrotlidec (libbrotli-dev): CTLSShim's BoringSSL backend decompresses brotli certificates (Chrome
// offers brotli certificate compression), and proxyd decodes br response bodies for clients that did
// not accept that coding (Relay/ContentDecoder).
#include <brotli/decode.h>

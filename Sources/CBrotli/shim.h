// Only CTLSShim's BoringSSL backend uses brotli: Chrome offers brotli certificate compression,
// so the client must be able to decompress what a server sends that way (libbrotli-dev).
#include <brotli/decode.h>

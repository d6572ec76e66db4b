// Tests only: the BoringSSL test server compresses its certificate with brotli, as Google's servers
// do for Chrome, so the client's decompression path runs (libbrotli-dev).
#include <brotli/encode.h>

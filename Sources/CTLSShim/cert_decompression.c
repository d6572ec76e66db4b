// The decompressors behind the compress_certificate extension. The peer states the uncompressed
// size; output of any other size is a malformed message, not a truncation to accept.
#include "cert_decompression.h"
#include "boring_profile.h"

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

enum { MAX_CERTIFICATE_CHAIN = 1 << 20 };

typedef int (*decompress_fn)(uint8_t *out, size_t out_len, const uint8_t *in, size_t in_len);

static int undo_brotli(uint8_t *out, size_t out_len, const uint8_t *in, size_t in_len) {
    size_t written = out_len;
    return BrotliDecoderDecompress(in_len, in, &written, out) == BROTLI_DECODER_RESULT_SUCCESS && written == out_len;
}

static int undo_zlib(uint8_t *out, size_t out_len, const uint8_t *in, size_t in_len) {
    // uLong is at least as wide as size_t on the LP64 targets proxyd builds for; refuse otherwise.
    uLongf written = (uLongf)out_len;
    if ((size_t)written != out_len || (uLong)in_len != in_len) return 0;
    return uncompress(out, &written, in, (uLong)in_len) == Z_OK && written == out_len;
}

static int undo_zstd(uint8_t *out, size_t out_len, const uint8_t *in, size_t in_len) {
    size_t written = ZSTD_decompress(out, out_len, in, in_len);
    return !ZSTD_isError(written) && written == out_len;
}

// BoringSSL's callback carries no argument, so each algorithm gets its own thin wrapper.
static int into_buffer(decompress_fn fn, CRYPTO_BUFFER **out, size_t uncompressed_len, const uint8_t *in,
                       size_t in_len) {
    // The length is the server's word, and it is allocated before anything is checked: a certificate
    // chain is a few KB, so anything past 1 MiB is refused here rather than trusted to the library's limit.
    if (uncompressed_len > MAX_CERTIFICATE_CHAIN) return 0;
    uint8_t *data = NULL;
    CRYPTO_BUFFER *buffer = CRYPTO_BUFFER_alloc(&data, uncompressed_len);
    if (buffer == NULL) return 0;
    if (!fn(data, uncompressed_len, in, in_len)) {
        CRYPTO_BUFFER_free(buffer);
        return 0;
    }
    *out = buffer;
    return 1;
}

static int brotli_certificate(SSL *ssl, CRYPTO_BUFFER **out, size_t len, const uint8_t *in, size_t in_len) {
    (void)ssl;
    return into_buffer(undo_brotli, out, len, in, in_len);
}

static int zlib_certificate(SSL *ssl, CRYPTO_BUFFER **out, size_t len, const uint8_t *in, size_t in_len) {
    (void)ssl;
    return into_buffer(undo_zlib, out, len, in, in_len);
}

static int zstd_certificate(SSL *ssl, CRYPTO_BUFFER **out, size_t len, const uint8_t *in, size_t in_len) {
    (void)ssl;
    return into_buffer(undo_zstd, out, len, in, in_len);
}

int tlsshim_add_cert_decompression(SSL_CTX *ssl_ctx, uint16_t algorithm) {
    ssl_cert_decompression_func_t fn;
    switch (algorithm) {
    case TLSSHIM_CERT_ZLIB: fn = zlib_certificate; break;
    case TLSSHIM_CERT_BROTLI: fn = brotli_certificate; break;
    case TLSSHIM_CERT_ZSTD: fn = zstd_certificate; break;
    default: return 0;
    }
    return SSL_CTX_add_cert_compression_alg(ssl_ctx, algorithm, NULL, fn);
}

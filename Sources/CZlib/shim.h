// zlib from zlib1g-dev, found through pkg-config (zlib): proxyd inflates gzip and deflate response
// bodies for clients that did not accept those codings.
#include <zlib.h>

// inflateInit2 and deflateInit2 are macros that pass the header's version and struct size; Swift
// cannot call a macro, so these wrappers expand them.
static inline int czlib_inflate_init(z_stream *stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}

// Tests only: encoding response bodies in the upstream fixtures.
static inline int czlib_deflate_init(z_stream *stream, int level, int window_bits) {
    return deflateInit2(stream, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
}

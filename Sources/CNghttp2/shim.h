// nghttp2 from libnghttp2-dev, found through pkg-config (libnghttp2).
#include <nghttp2/nghttp2.h>

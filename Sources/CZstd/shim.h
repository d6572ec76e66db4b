// libzstd from libzstd-dev, found through pkg-config (libzstd): proxyd decodes zstd response bodies
// for clients that did not accept that coding.
#include <zstd.h>

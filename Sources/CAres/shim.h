// c-ares from libc-ares-dev, found through pkg-config (libcares).
#include <ares.h>

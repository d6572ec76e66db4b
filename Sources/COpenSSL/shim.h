// CTLSShim (the `openssl` TLS profile) and CProofOfWork (SHA3-512, which BoringSSL lacks) include OpenSSL;
// this system-library target exists so SwiftPM finds the headers and link flags through pkg-config
// (openssl, from libssl-dev).
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

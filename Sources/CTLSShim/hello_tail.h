// Reads the end of a ClientHello the shim itself wrote (boringssl.c's final_padding probe). Includes
// no TLS library header, so it stays a plain byte parser.
#ifndef CTLSSHIM_HELLO_TAIL_H
#define CTLSSHIM_HELLO_TAIL_H

#include <stddef.h>
#include <stdint.h>

// The type of the last extension in bytes that must be exactly one handshake record holding exactly
// one ClientHello; -1 for anything else (short, trailing bytes, lengths that disagree, no extensions).
int tlsshim_hello_last_extension(const uint8_t *record, size_t len);

#endif

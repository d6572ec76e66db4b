// See hello_tail.h. Every length is checked against what is left before it is used, so no input
// reads past len; the lengths must also add up exactly, as they do in a hello BoringSSL built.
#include "hello_tail.h"

struct cursor {
    const uint8_t *at;
    size_t left;
};

// Reads an n-byte big-endian number (n <= 3); 0 when fewer than n bytes are left.
static int take_number(struct cursor *c, size_t n, size_t *out) {
    if (c->left < n) return 0;
    size_t value = 0;
    for (size_t i = 0; i < n; i++) value = value << 8 | c->at[i];
    c->at += n;
    c->left -= n;
    *out = value;
    return 1;
}

static int skip(struct cursor *c, size_t n) {
    if (c->left < n) return 0;
    c->at += n;
    c->left -= n;
    return 1;
}

// Skips a field with an n-byte length prefix.
static int skip_vector(struct cursor *c, size_t n) {
    size_t length;
    return take_number(c, n, &length) && skip(c, length);
}

int tlsshim_hello_last_extension(const uint8_t *record, size_t len) {
    struct cursor c = {record, len};
    size_t type, length;
    // Record header: handshake (22), version, length of exactly the rest.
    if (!take_number(&c, 1, &type) || type != 22 || !skip(&c, 2) || !take_number(&c, 2, &length) ||
        length != c.left) {
        return -1;
    }
    // Handshake header: client_hello (1), length of exactly the rest.
    if (!take_number(&c, 1, &type) || type != 1 || !take_number(&c, 3, &length) || length != c.left) return -1;
    // legacy_version, random, legacy_session_id, cipher_suites, legacy_compression_methods.
    if (!skip(&c, 2 + 32) || !skip_vector(&c, 1) || !skip_vector(&c, 2) || !skip_vector(&c, 1)) return -1;
    if (!take_number(&c, 2, &length) || length != c.left || length == 0) return -1;
    int last = -1;
    while (c.left > 0) {
        if (!take_number(&c, 2, &type) || !skip_vector(&c, 2)) return -1;
        last = (int)type;
    }
    return last;
}

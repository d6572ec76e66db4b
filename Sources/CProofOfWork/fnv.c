// FNV-1a 32-bit plus finalizer, many nonces at once. One FNV chain is a multiply per byte, each waiting for
// the last (about 4 cycles a byte), so a single try of ~650 bytes costs ~2,600 cycles. Lanes remove the
// wait: POW_MAX_LANES chains, 8 per vector and 8 vectors in flight, hash the same tail bytes from their own
// states, which keeps the multiplier busy instead of waiting on it.
#include <string.h>

#include "lanes.h"

#define FNV_PRIME 16777619u

uint32_t pow_fnv_update(uint32_t state, const uint8_t *bytes, size_t count) {
    for (size_t i = 0; i < count; i++) state = (state ^ bytes[i]) * FNV_PRIME;
    return state;
}

uint32_t pow_fnv_finish(uint32_t h) {
    h ^= h >> 16;
    h *= 2246822507u;
    h ^= h >> 13;
    h *= 3266489909u;
    h ^= h >> 16;
    return h;
}

typedef uint32_t u32x8 __attribute__((vector_size(32)));
typedef uint8_t u8x8 __attribute__((vector_size(8)));
enum { VECTORS = POW_MAX_LANES / 8 };

// A macro, not a function: a function returning a 256-bit vector has a different ABI with and without
// AVX, which the compiler warns about even when every call is inlined.
#define splat(x) ((u32x8){(x), (x), (x), (x), (x), (x), (x), (x)})

// The lanes' hashes, finished. var holds character i of lane l at var[i][l]. Compiled twice below, once
// for AVX2 and once for the baseline (where the compiler splits each vector in two), from this one body.
static inline __attribute__((always_inline)) void fnv_lanes_body(uint32_t prefix_state,
                                                                   const uint8_t (*var)[POW_MAX_LANES],
                                                                   size_t var_len, const uint8_t *tail,
                                                                   size_t tail_len, uint32_t *out) {
    const u32x8 prime = splat(FNV_PRIME);
    u32x8 h[VECTORS];
    for (int v = 0; v < VECTORS; v++) h[v] = splat(prefix_state);
    for (size_t i = 0; i < var_len; i++) {
        for (int v = 0; v < VECTORS; v++) {
            u8x8 bytes;
            memcpy(&bytes, &var[i][v * 8], sizeof bytes);
            h[v] = (h[v] ^ __builtin_convertvector(bytes, u32x8)) * prime;
        }
    }
    for (size_t i = 0; i < tail_len; i++) {
        const u32x8 byte = splat(tail[i]);
        for (int v = 0; v < VECTORS; v++) h[v] = (h[v] ^ byte) * prime;
    }
    for (int v = 0; v < VECTORS; v++) {
        u32x8 x = h[v];
        x ^= x >> 16;
        x *= splat(2246822507u);
        x ^= x >> 13;
        x *= splat(3266489909u);
        x ^= x >> 16;
        memcpy(out + v * 8, &x, sizeof x);
    }
}

typedef void fnv_lanes_fn(uint32_t, const uint8_t (*)[POW_MAX_LANES], size_t, const uint8_t *, size_t, uint32_t *);

static void fnv_lanes_baseline(uint32_t prefix_state, const uint8_t (*var)[POW_MAX_LANES], size_t var_len,
                               const uint8_t *tail, size_t tail_len, uint32_t *out) {
    fnv_lanes_body(prefix_state, var, var_len, tail, tail_len, out);
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static void fnv_lanes_avx2(uint32_t prefix_state,
                                                            const uint8_t (*var)[POW_MAX_LANES], size_t var_len,
                                                            const uint8_t *tail, size_t tail_len, uint32_t *out) {
    fnv_lanes_body(prefix_state, var, var_len, tail, tail_len, out);
}
#endif

// Chosen per call: __builtin_cpu_supports reads a table the runtime filled at start-up, so this costs a
// load and a test per batch, and needs no lazily set global shared between threads.
static fnv_lanes_fn *fnv_lanes(void) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2")) return fnv_lanes_avx2;
#endif
    return fnv_lanes_baseline;
}

int pow_fnv_uses_avx2(void) {
#if defined(__x86_64__)
    return fnv_lanes() == fnv_lanes_avx2;
#else
    return 0;
#endif
}

int pow_fnv_search(const pow_frame *frame, uint32_t prefix_state, uint64_t first_nonce, int lanes,
                   uint32_t threshold) {
    if (lanes < 1) return -1;
    uint8_t common[POW_MAX_VAR_BASE64], var[POW_MAX_VAR_BASE64][POW_MAX_LANES];
    uint32_t hashes[POW_MAX_LANES];
    // Every lane is encoded, so that the unused ones hash initialized bytes; their results are not read.
    size_t from = pow_encode_lanes(frame, first_nonce, POW_MAX_LANES, common, &var[0][0], POW_MAX_LANES, 1);
    fnv_lanes()(pow_fnv_update(prefix_state, common, from), (const uint8_t(*)[POW_MAX_LANES])var,
                pow_var_base64_len(frame) - from, frame->tail, frame->tail_len, hashes);
    for (int lane = 0; lane < lanes; lane++) {
        if (hashes[lane] <= threshold) return lane;
    }
    return -1;
}

// The inner loops of chatgpt.com's sentinel proof of work (ProxyCore/ChatGPT/ProofSearch.swift). A search
// hashes seed ‖ base64(JSON) for nonce after nonce; these functions try a batch of consecutive nonces at
// once, hashing only what differs between them. In C because the FNV loop wants SIMD lanes chosen at run
// time (AVX2 where the CPU has it; Swift builds for baseline x86-64) and the SHA3 one calls OpenSSL 3.
#ifndef CPROOFOFWORK_H
#define CPROOFOFWORK_H

#include <stddef.h>
#include <stdint.h>

enum {
    /// Nonces tried by one FNV call (SIMD lanes: 8 vectors of 8 on AVX2, enough to hide the multiply's latency).
    POW_MAX_LANES = 64,
    /// The longest stretch of JSON a frame's nonce digits can span: 20 digits and 2 bytes on each side,
    /// in whole base64 groups of 3.
    POW_MAX_VAR_JSON = 24,
};

#define POW_FNV_OFFSET 2166136261u

/// What stays fixed while a batch runs: the JSON bytes around the nonce's digits, cut at base64 group
/// boundaries, and the base64 text after them. The base64 before them is already in the hash's state.
typedef struct pow_frame {
    /// The JSON bytes of the base64 groups that hold the nonce's digits (digits included, any value).
    /// A multiple of 3 long unless it ends the JSON (its base64 is then padded); at most POW_MAX_VAR_JSON.
    const uint8_t *var_json;
    size_t var_json_len;
    /// Where the nonce's digits start in var_json, and how many there are (1...20).
    size_t digits_at;
    size_t digit_count;
    /// The base64 text of the JSON after var_json.
    const uint8_t *tail;
    size_t tail_len;
} pow_frame;

/// FNV-1a 32-bit over bytes, from state (POW_FNV_OFFSET at the start), without the finalizer.
uint32_t pow_fnv_update(uint32_t state, const uint8_t *bytes, size_t count);
/// The finalizer the site applies after FNV-1a (murmur3's fmix32).
uint32_t pow_fnv_finish(uint32_t state);

/// Tries nonces first_nonce ..< first_nonce + lanes (lanes 1...POW_MAX_LANES, all with digit_count digits)
/// from prefix_state (the FNV state after seed ‖ the base64 before var_json). Returns the lane of the first
/// nonce whose finished hash is <= threshold, or -1.
int pow_fnv_search(const pow_frame *frame, uint32_t prefix_state, uint64_t first_nonce, int lanes,
                   uint32_t threshold);

/// 1 when pow_fnv_search runs its AVX2 lanes on this CPU (for the benchmark's report).
int pow_fnv_uses_avx2(void);

/// SHA3-512 state for one search: seed ‖ the base64 before var_json absorbed once per frame.
typedef struct pow_sha3 pow_sha3;
/// NULL when OpenSSL has no SHA3-512 (or no memory).
pow_sha3 *pow_sha3_new(void);
void pow_sha3_free(pow_sha3 *sha3);
/// Absorbs a new prefix. 1 on success, 0 when OpenSSL failed.
int pow_sha3_set_prefix(pow_sha3 *sha3, const uint8_t *bytes, size_t count);
/// As pow_fnv_search, over the prefix set last, comparing the digest's first 8 bytes (big-endian) with
/// threshold. -2 when OpenSSL failed.
int pow_sha3_search(pow_sha3 *sha3, const pow_frame *frame, uint64_t first_nonce, int lanes, uint64_t threshold);
/// One SHA3-512 digest. 1 on success, 0 when OpenSSL failed.
int pow_sha3_512(const uint8_t *bytes, size_t count, uint8_t out[64]);

#endif

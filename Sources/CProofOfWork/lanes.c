// The per-nonce part of a batch, shared by both hashes: each lane's base64 of the groups that hold its
// nonce's digits. Everything else a try hashes is the same for the whole batch.
#include "lanes.h"

static const uint8_t base64_alphabet[64] = {
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V',
    'W', 'X', 'Y', 'Z', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r',
    's', 't', 'u', 'v', 'w', 'x', 'y', 'z', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '/',
};

size_t pow_var_base64_len(const pow_frame *frame) {
    return (frame->var_json_len + 2) / 3 * 4;
}

// Base64 of one group of 3 bytes (as a 24-bit number) to out[0], out[stride], out[2 * stride], out[3 * stride].
static inline void encode_triple(uint32_t triple, uint8_t *out, size_t stride) {
    out[0] = base64_alphabet[triple >> 18];
    out[stride] = base64_alphabet[triple >> 12 & 0x3F];
    out[2 * stride] = base64_alphabet[triple >> 6 & 0x3F];
    out[3 * stride] = base64_alphabet[triple & 0x3F];
}

// Group g of json as a 24-bit number, the bytes past the end as zeros (base64's padding).
static inline uint32_t triple_at(const uint8_t *json, size_t len, size_t g) {
    size_t i = 3 * g;
    return (uint32_t)json[i] << 16 | (i + 1 < len ? (uint32_t)json[i + 1] << 8 : 0) | (i + 2 < len ? json[i + 2] : 0);
}

size_t pow_encode_lanes(const pow_frame *frame, uint64_t first_nonce, int lanes, uint8_t *common, uint8_t *out,
                        size_t char_stride, size_t lane_stride) {
    const size_t len = frame->var_json_len, groups = (len + 2) / 3, chars = 4 * groups;
    // '=' characters at the end: only when the region ends the JSON, which the site's layout never does.
    const size_t padding = chars - len - (len + 2) / 3;
    uint8_t json[POW_MAX_VAR_JSON];
    for (size_t i = 0; i < len; i++) json[i] = frame->var_json[i];
    uint8_t *digits = json + frame->digits_at;
    uint64_t value = first_nonce;
    for (size_t i = frame->digit_count; i > 0; i--) {
        digits[i - 1] = (uint8_t)('0' + value % 10);
        value /= 10;
    }

    // The digits the first and last nonce share lead every lane's digits, so the groups before the first
    // digit that differs are the same in every lane: written once to common, and hashed once by the caller.
    // (A last nonce with more digits, whose lanes the caller ignores, shares none.)
    long shared = (long)frame->digit_count;
    for (uint64_t a = first_nonce, b = first_nonce + (uint64_t)lanes - 1; a != b; a /= 10, b /= 10) shared--;
    if (shared < 0) shared = 0;
    const size_t first_group = (frame->digits_at + (size_t)shared) / 3, from = 4 * first_group;
    for (size_t g = 0; g < first_group; g++) encode_triple(triple_at(json, len, g), common + 4 * g, 1);

    // The k digits after the shared ones: each lane adds its own to the groups' bytes with those digits '0'
    // ('0' + d never carries into the next byte). Computed per lane from the nonce rather than by carrying
    // from the lane before, so the lanes do not wait on each other.
    const size_t k = frame->digit_count - (size_t)shared;
    uint64_t low = 0, scale = 1;
    for (size_t p = 0; p < k; p++) {
        size_t at = frame->digit_count - 1 - p;
        low += (uint64_t)(digits[at] - '0') * scale;
        scale *= 10;
        digits[at] = '0';
    }
    uint32_t base[POW_MAX_VAR_JSON / 3];
    for (size_t g = first_group; g < groups; g++) base[g] = triple_at(json, len, g);
    size_t digit_group[20];
    uint32_t digit_shift[20];
    for (size_t p = 0; p < k; p++) {
        size_t at = frame->digits_at + frame->digit_count - 1 - p;
        digit_group[p] = at / 3;
        digit_shift[p] = 8 * (uint32_t)(2 - at % 3);
    }

    for (int lane = 0; lane < lanes; lane++) {
        uint32_t triples[POW_MAX_VAR_JSON / 3];
        for (size_t g = first_group; g < groups; g++) triples[g] = base[g];
        // Past the last nonce of the digit count the value wraps, as the lane's digits would: such lanes
        // are hashed but never reported.
        uint64_t v = low + (uint64_t)lane;
        for (size_t p = 0; p < k; p++, v /= 10) triples[digit_group[p]] += (uint32_t)(v % 10) << digit_shift[p];
        uint8_t *column = out + (size_t)lane * lane_stride;
        for (size_t g = first_group; g < groups; g++) encode_triple(triples[g], column + (4 * g - from) * char_stride, char_stride);
        for (size_t c = chars - padding; c < chars; c++) column[(c - from) * char_stride] = '=';
    }
    return from;
}

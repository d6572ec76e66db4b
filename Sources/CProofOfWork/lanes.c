// The per-nonce part of a batch, shared by both hashes: each lane's base64 of the groups that hold its
// nonce's digits. Everything else a try hashes is the same for the whole batch.
#include "lanes.h"

static const uint8_t base64_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t pow_var_base64_len(const pow_frame *frame) {
    return (frame->var_json_len + 2) / 3 * 4;
}

// Base64 with padding; out[i * stride] receives character i, so a caller can write lanes side by side.
static void encode(const uint8_t *in, size_t len, uint8_t *out, size_t stride) {
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        size_t n = len - i < 3 ? len - i : 3;
        uint32_t triple = (uint32_t)in[i] << 16 | (n > 1 ? (uint32_t)in[i + 1] << 8 : 0) | (n > 2 ? in[i + 2] : 0);
        for (size_t k = 0; k < 4; k++, o += stride) {
            out[o] = k <= n ? base64_alphabet[triple >> (18 - 6 * k) & 0x3F] : '=';
        }
    }
}

void pow_encode_lanes(const pow_frame *frame, uint64_t first_nonce, int lanes, uint8_t *out, size_t char_stride,
                      size_t lane_stride) {
    uint8_t json[POW_MAX_VAR_JSON];
    for (size_t i = 0; i < frame->var_json_len; i++) json[i] = frame->var_json[i];
    uint8_t *digits = json + frame->digits_at;
    uint64_t value = first_nonce;
    for (size_t i = frame->digit_count; i > 0; i--) {
        digits[i - 1] = (uint8_t)('0' + value % 10);
        value /= 10;
    }
    for (int lane = 0; lane < lanes; lane++) {
        encode(json, frame->var_json_len, out + (size_t)lane * lane_stride, char_stride);
        // The next nonce, in place. Past the last nonce of the digit count the carry falls off the front:
        // such lanes are hashed but never reported.
        for (size_t i = frame->digit_count; i > 0; i--) {
            if (digits[i - 1] != '9') {
                digits[i - 1]++;
                break;
            }
            digits[i - 1] = '0';
        }
    }
}

// Internal to CProofOfWork: the per-lane base64 that fnv.c and sha3.c share.
#ifndef CPROOFOFWORK_LANES_H
#define CPROOFOFWORK_LANES_H

#include "include/CProofOfWork.h"

/// The most base64 characters a frame's var_json encodes to.
enum { POW_MAX_VAR_BASE64 = POW_MAX_VAR_JSON / 3 * 4 };

size_t pow_var_base64_len(const pow_frame *frame);

/// The base64 of var_json with nonce first_nonce + lane in its digits, for each lane. Returns `from`: the
/// leading characters that are the same in every lane go once to common[0 ..< from]; character i >= from
/// of lane l goes to out[(i - from) * char_stride + l * lane_stride].
size_t pow_encode_lanes(const pow_frame *frame, uint64_t first_nonce, int lanes, uint8_t *common, uint8_t *out,
                        size_t char_stride, size_t lane_stride);

#endif

// SHA3-512 tries through OpenSSL 3 (BoringSSL, the other TLS backend, has no SHA3). The seed and the
// base64 before the nonce are absorbed once per frame; each try copies that state and absorbs the rest.
#include <openssl/evp.h>

#include "lanes.h"

struct pow_sha3 {
    // Fetched once: EVP_sha3_512() would make every init look the algorithm up in the provider again.
    EVP_MD *md;
    EVP_MD_CTX *prefix;
    EVP_MD_CTX *work;
};

pow_sha3 *pow_sha3_new(void) {
    pow_sha3 *sha3 = OPENSSL_zalloc(sizeof *sha3);
    if (sha3 == NULL) return NULL;
    sha3->md = EVP_MD_fetch(NULL, "SHA3-512", NULL);
    sha3->prefix = EVP_MD_CTX_new();
    sha3->work = EVP_MD_CTX_new();
    if (sha3->md == NULL || sha3->prefix == NULL || sha3->work == NULL) {
        pow_sha3_free(sha3);
        return NULL;
    }
    return sha3;
}

void pow_sha3_free(pow_sha3 *sha3) {
    if (sha3 == NULL) return;
    EVP_MD_CTX_free(sha3->work);
    EVP_MD_CTX_free(sha3->prefix);
    EVP_MD_free(sha3->md);
    OPENSSL_free(sha3);
}

int pow_sha3_set_prefix(pow_sha3 *sha3, const uint8_t *bytes, size_t count) {
    return EVP_DigestInit_ex(sha3->prefix, sha3->md, NULL) == 1 && EVP_DigestUpdate(sha3->prefix, bytes, count) == 1;
}

int pow_sha3_search(pow_sha3 *sha3, const pow_frame *frame, uint64_t first_nonce, int lanes, uint64_t threshold) {
    if (lanes < 1) return -1;
    uint8_t common[POW_MAX_VAR_BASE64], var[POW_MAX_LANES][POW_MAX_VAR_BASE64];
    if (lanes > POW_MAX_LANES) lanes = POW_MAX_LANES;
    size_t from = pow_encode_lanes(frame, first_nonce, lanes, common, &var[0][0], 1, POW_MAX_VAR_BASE64);
    size_t var_len = pow_var_base64_len(frame) - from;
    for (int lane = 0; lane < lanes; lane++) {
        uint8_t digest[64];
        if (EVP_MD_CTX_copy_ex(sha3->work, sha3->prefix) != 1 || EVP_DigestUpdate(sha3->work, common, from) != 1 ||
            EVP_DigestUpdate(sha3->work, var[lane], var_len) != 1 ||
            EVP_DigestUpdate(sha3->work, frame->tail, frame->tail_len) != 1 ||
            EVP_DigestFinal_ex(sha3->work, digest, NULL) != 1) {
            return -2;
        }
        uint64_t first = 0;
        for (int i = 0; i < 8; i++) first = first << 8 | digest[i];
        if (first <= threshold) return lane;
    }
    return -1;
}

int pow_sha3_512(const uint8_t *bytes, size_t count, uint8_t out[64]) {
    unsigned int length = 0;
    return EVP_Digest(bytes, count, out, &length, EVP_sha3_512(), NULL) == 1 && length == 64;
}

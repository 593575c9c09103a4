// SHA-256 whose running state can be saved and restored, so an upload continued on another node
// (or after a restart) resumes its hash instead of reading back every byte received so far (object
// storage cannot read an unfinished multipart upload at all).
//
// swift-crypto hides the state, but the BoringSSL it builds is linked into every Berth binary with
// its symbols prefixed `CCryptoBoringSSL_`; these wrappers call its SHA256_* functions, so the
// hashing is the same accelerated code. `berth_sha256_state` copies BoringSSL's `SHA256_CTX`
// (`sha256_state_st` in its bcm_public.h); ResumableSHA256Tests compare every result with Crypto's
// SHA256, so a layout change in a newer swift-crypto fails the tests rather than hashing wrong.
#ifndef BERTH_SHA256_STATE_H
#define BERTH_SHA256_STATE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint32_t Nl, Nh;
    uint8_t data[64];
    unsigned num, md_len;
} berth_sha256_state;

void berth_sha256_init(berth_sha256_state *state);
void berth_sha256_update(berth_sha256_state *state, const void *bytes, size_t count);
void berth_sha256_final(berth_sha256_state *state, uint8_t out[32]);

#endif

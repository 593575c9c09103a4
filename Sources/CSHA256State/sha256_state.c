#include "sha256_state.h"

// BoringSSL's functions as swift-crypto names them (see the header for why they are reachable).
int CCryptoBoringSSL_SHA256_Init(berth_sha256_state *sha);
int CCryptoBoringSSL_SHA256_Update(berth_sha256_state *sha, const void *data, size_t len);
int CCryptoBoringSSL_SHA256_Final(uint8_t out[32], berth_sha256_state *sha);

void berth_sha256_init(berth_sha256_state *state) {
    CCryptoBoringSSL_SHA256_Init(state);
}

void berth_sha256_update(berth_sha256_state *state, const void *bytes, size_t count) {
    CCryptoBoringSSL_SHA256_Update(state, bytes, count);
}

void berth_sha256_final(berth_sha256_state *state, uint8_t out[32]) {
    CCryptoBoringSSL_SHA256_Final(out, state);
}

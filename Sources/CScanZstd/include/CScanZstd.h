// The few parts of zstd's streaming decoder the scanner uses, declared here so that building
// needs no libzstd-dev: the functions are looked up at run time in libzstd.so.1, which every
// Debian system has (dpkg depends on it). The layouts match zstd.h of zstd 1.x, whose ABI for
// these functions has been stable since 1.0.
#ifndef BERTH_CSCANZSTD_H
#define BERTH_CSCANZSTD_H

#include <stddef.h>

typedef struct {
    const void *src;
    size_t size;
    size_t pos;
} berth_zstd_in_buffer;

typedef struct {
    void *dst;
    size_t size;
    size_t pos;
} berth_zstd_out_buffer;

/// Loads libzstd.so.1 once. Returns NULL when it is usable, otherwise a message saying why not.
const char *berth_zstd_load(void);

/// A new decompression stream, or NULL when zstd is unavailable or out of memory.
void *berth_zstd_create(void);
void berth_zstd_free(void *stream);

/// Like ZSTD_decompressStream: a hint for the next input size, or an error code.
size_t berth_zstd_decompress(void *stream, berth_zstd_out_buffer *output, berth_zstd_in_buffer *input);
int berth_zstd_is_error(size_t code);
const char *berth_zstd_error_name(size_t code);

#endif

#include "CScanZstd.h"

#include <dlfcn.h>
#include <pthread.h>

typedef size_t (*decompress_fn)(void *, berth_zstd_out_buffer *, berth_zstd_in_buffer *);

static struct {
    void *(*create)(void);
    size_t (*free)(void *);
    size_t (*init)(void *);
    decompress_fn decompress;
    unsigned (*is_error)(size_t);
    const char *(*error_name)(size_t);
    const char *failure;
} zstd;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *library = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        zstd.failure = "libzstd.so.1 could not be loaded (Debian package libzstd1)";
        return;
    }
    zstd.create = (void *(*)(void))dlsym(library, "ZSTD_createDStream");
    zstd.free = (size_t (*)(void *))dlsym(library, "ZSTD_freeDStream");
    zstd.init = (size_t (*)(void *))dlsym(library, "ZSTD_initDStream");
    zstd.decompress = (decompress_fn)dlsym(library, "ZSTD_decompressStream");
    zstd.is_error = (unsigned (*)(size_t))dlsym(library, "ZSTD_isError");
    zstd.error_name = (const char *(*)(size_t))dlsym(library, "ZSTD_getErrorName");
    if (!zstd.create || !zstd.free || !zstd.init || !zstd.decompress || !zstd.is_error || !zstd.error_name) {
        zstd.failure = "libzstd.so.1 lacks the streaming decoder functions";
    }
}

const char *berth_zstd_load(void) {
    pthread_once(&load_once, load);
    return zstd.failure;
}

void *berth_zstd_create(void) {
    if (berth_zstd_load() != NULL) return NULL;
    void *stream = zstd.create();
    if (stream != NULL && zstd.is_error(zstd.init(stream))) {
        zstd.free(stream);
        return NULL;
    }
    return stream;
}

void berth_zstd_free(void *stream) {
    if (stream != NULL && berth_zstd_load() == NULL) zstd.free(stream);
}

size_t berth_zstd_decompress(void *stream, berth_zstd_out_buffer *output, berth_zstd_in_buffer *input) {
    return zstd.decompress(stream, output, input);
}

int berth_zstd_is_error(size_t code) {
    return zstd.is_error(code) != 0;
}

const char *berth_zstd_error_name(size_t code) {
    return zstd.error_name(code);
}

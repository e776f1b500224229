#include "cnative.h"

#include <string.h>
#include <zlib.h>

uint32_t glueshim_crc32(uint32_t crc, const void *bytes, size_t length) {
    const unsigned char *p = bytes;
    uLong c = crc;
    // crc32_z takes a size_t length; keep to pieces zlib's uInt-based builds accept too.
    while (length > 0) {
        size_t n = length > (1u << 30) ? (1u << 30) : length;
        c = crc32_z(c, p, n);
        p += n;
        length -= n;
    }
    return (uint32_t)c;
}

#if defined(__x86_64__)
int glueshim_crc32c_hw_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2");
}

__attribute__((target("sse4.2")))
uint32_t glueshim_crc32c_hw(uint32_t state, const void *bytes, size_t length) {
    const unsigned char *p = bytes;
    uint64_t c = state;
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = __builtin_ia32_crc32di(c, word);
        p += 8;
        length -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (length > 0) {
        c32 = __builtin_ia32_crc32qi(c32, *p);
        p++;
        length--;
    }
    return c32;
}
#else
int glueshim_crc32c_hw_available(void) { return 0; }
uint32_t glueshim_crc32c_hw(uint32_t state, const void *bytes, size_t length) {
    (void)bytes; (void)length;
    return state;
}
#endif

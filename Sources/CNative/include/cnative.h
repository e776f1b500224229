#ifndef GLUESHIM_CNATIVE_H
#define GLUESHIM_CNATIVE_H

#include <stddef.h>
#include <stdint.h>

/// CRC-32 (ISO-HDLC, the polynomial of S3's CRC32) of `length` bytes, continuing from the
/// finished value `crc` (0 to start), through zlib.
uint32_t glueshim_crc32(uint32_t crc, const void *bytes, size_t length);

/// Whether glueshim_crc32c_hw can run here (x86-64 with SSE 4.2).
int glueshim_crc32c_hw_available(void);

/// CRC-32C (Castagnoli) with the processor's crc32 instruction, continuing from the running
/// (not inverted) register value `state`. Only call when glueshim_crc32c_hw_available().
uint32_t glueshim_crc32c_hw(uint32_t state, const void *bytes, size_t length);

/// Starts writing `length` bytes of `fd` from `offset` to the device without waiting
/// (sync_file_range with SYNC_FILE_RANGE_WRITE), so a later fsync has less left to do.
/// Returns 0, or -1 with errno set (where the call does not exist, ENOSYS).
int glueshim_start_writeback(int fd, int64_t offset, int64_t length);

/// Keeps allocations up to 4 MiB in malloc's arenas and up to 64 MiB of freed memory in the
/// process (glibc), instead of mapping, faulting in and unmapping fresh pages for every
/// object buffer. No-op elsewhere.
void glueshim_tune_malloc(void);

#endif

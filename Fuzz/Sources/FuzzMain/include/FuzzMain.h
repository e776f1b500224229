#ifndef GLUESHIM_FUZZ_MAIN_H
#define GLUESHIM_FUZZ_MAIN_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver (compiler-rt), linked in by -sanitize=fuzzer. SwiftPM links executables
// with main aliased to <Module>_main, which a -parse-as-library module never defines: each fuzz
// target defines <Module>_main itself and hands over to this driver.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif

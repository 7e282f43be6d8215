// libFuzzer's driver, for a program that keeps its own main (scripts/fuzz links
// libclang_rt.fuzzer_no_main from the Swift toolchain; plain builds never call it).
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

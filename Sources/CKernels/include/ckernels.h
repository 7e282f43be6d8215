// Hot loops of the engine, in C so that they can use AVX-512 / AVX2 intrinsics chosen at run time
// while the rest of the binary stays portable. Every function here has a plain reference twin in
// the tests (KernelsTests) and is checked against it on odd shapes.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Widens `count` bfloat16 values (the high 16 bits of an IEEE float32) to float32.
void sk_bf16_to_f32(const uint16_t *source, float *destination, size_t count);

/// Widens `count` IEEE half-precision values to float32 (exact; subnormals and infinities kept).
void sk_f16_to_f32(const uint16_t *source, float *destination, size_t count);

/// Rounds `count` float32 values to bfloat16, to nearest even (NaN stays NaN).
void sk_f32_to_bf16(const float *source, uint16_t *destination, size_t count);

/// Tells the CPU that the caller is spinning on a flag (x86 `pause`), which saves power and frees
/// the core's shared resources for the thread being waited on.
static inline void sk_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif

// SwiGLU's activation, SiLU(gate) ⊙ up (Qwen2MLP: down_proj(act_fn(gate_proj(x)) * up_proj(x)),
// act_fn(g) = g · sigmoid(g)), and its backward for training, with σ = sigmoid(gate) = 1 / (1 + e^-g):
//
//     d gate = d out ⊙ up ⊙ σ · (1 + gate · (1 − σ))
//     d up   = d out ⊙ gate · σ
//
// Why vectorised by hand: compiled from a plain loop, every element called the C library's scalar
// expf, which took about a tenth of a training step of the recipe's model and, at the engine's
// prefill of a Qwen2.5-0.5B shape, 117,000 calls a token. The exponential is expf's own bits
// (exp_bits.h) and every product and quotient rounds as the scalar expression is written, so every
// variant gives the bits of that expression over expf.

#include "ckernels.h"
#include "exp_bits.h"

// ---------------------------------------------------------------------------------------------------
// Portable: the expressions, one element at a time.

static inline float sigmoid_portable(float g) { return 1.0f / (1.0f + exp_portable(-g)); }

static void silu_mul_portable(const float *gate, const float *up, size_t count, float *output) {
    for (size_t i = 0; i < count; i++) {
        float g = gate[i];
        output[i] = (g / (1.0f + exp_portable(-g))) * up[i];
    }
}

static void silu_mul_backward_portable(const float *gate, const float *up, const float *output_gradient,
                                       size_t count, float *gate_gradient, float *up_gradient) {
    for (size_t i = 0; i < count; i++) {
        float g = gate[i];
        float sigmoid = sigmoid_portable(g);
        gate_gradient[i] = output_gradient[i] * up[i] * sigmoid * (1.0f + g * (1.0f - sigmoid));
        up_gradient[i] = output_gradient[i] * (g * sigmoid);
    }
}

#if defined(__x86_64__)

// ---------------------------------------------------------------------------------------------------
// AVX-512 and AVX2 + FMA: 8 elements per step (the exponential works in double: one AVX-512 register,
// or two AVX2 halves); the tail goes through the portable expressions, which give the same bits. The
// two variants differ only in their exponential, so one body serves both.

#define SILU_MUL_VARIANT(name, target, exp8)                                                                \
    target static void silu_mul_##name(const float *gate, const float *up, size_t count, float *output) {    \
        const __m256 one = _mm256_set1_ps(1.0f);                                                            \
        size_t i = 0;                                                                                       \
        for (; i + 8 <= count; i += 8) {                                                                    \
            __m256 g = _mm256_loadu_ps(gate + i);                                                           \
            __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), g));                                         \
            __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, e));                                          \
            _mm256_storeu_ps(output + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));                     \
        }                                                                                                   \
        silu_mul_portable(gate + i, up + i, count - i, output + i);                                         \
    }                                                                                                       \
                                                                                                            \
    target static void silu_mul_backward_##name(const float *gate, const float *up, const float *output_gradient, \
                                                size_t count, float *gate_gradient, float *up_gradient) {   \
        const __m256 one = _mm256_set1_ps(1.0f);                                                            \
        size_t i = 0;                                                                                       \
        for (; i + 8 <= count; i += 8) {                                                                    \
            __m256 g = _mm256_loadu_ps(gate + i);                                                           \
            __m256 sigmoid = _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), g)))); \
            __m256 d = _mm256_loadu_ps(output_gradient + i);                                                \
            __m256 slope = _mm256_add_ps(one, _mm256_mul_ps(g, _mm256_sub_ps(one, sigmoid)));               \
            __m256 scaled = _mm256_mul_ps(_mm256_mul_ps(d, _mm256_loadu_ps(up + i)), sigmoid);              \
            _mm256_storeu_ps(gate_gradient + i, _mm256_mul_ps(scaled, slope));                              \
            _mm256_storeu_ps(up_gradient + i, _mm256_mul_ps(d, _mm256_mul_ps(g, sigmoid)));                 \
        }                                                                                                   \
        silu_mul_backward_portable(gate + i, up + i, output_gradient + i, count - i, gate_gradient + i,     \
                                   up_gradient + i);                                                        \
    }

SILU_MUL_VARIANT(avx512, EXP_AVX512_TARGET, exp_8_512)
SILU_MUL_VARIANT(avx2, EXP_AVX2_TARGET, exp_256)

#endif  // __x86_64__

// ---------------------------------------------------------------------------------------------------
// Dispatch

void sk_silu_mul_with_isa(sk_isa isa, const float *gate, const float *up, size_t count, float *output) {
    switch (isa) {
#if defined(__x86_64__)
        case SK_ISA_AVX512: silu_mul_avx512(gate, up, count, output); return;
        case SK_ISA_AVX2: silu_mul_avx2(gate, up, count, output); return;
#endif
        default: silu_mul_portable(gate, up, count, output);
    }
}

void sk_silu_mul_backward_with_isa(sk_isa isa, const float *gate, const float *up, const float *output_gradient,
                                   size_t count, float *gate_gradient, float *up_gradient) {
    switch (isa) {
#if defined(__x86_64__)
        case SK_ISA_AVX512:
            silu_mul_backward_avx512(gate, up, output_gradient, count, gate_gradient, up_gradient);
            return;
        case SK_ISA_AVX2:
            silu_mul_backward_avx2(gate, up, output_gradient, count, gate_gradient, up_gradient);
            return;
#endif
        default: silu_mul_backward_portable(gate, up, output_gradient, count, gate_gradient, up_gradient);
    }
}

void sk_silu_mul(const float *gate, const float *up, size_t count, float *output) {
    sk_silu_mul_with_isa(sk_best_isa(), gate, up, count, output);
}

void sk_silu_mul_backward(const float *gate, const float *up, const float *output_gradient, size_t count,
                          float *gate_gradient, float *up_gradient) {
    sk_silu_mul_backward_with_isa(sk_best_isa(), gate, up, output_gradient, count, gate_gradient, up_gradient);
}

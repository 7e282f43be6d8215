// The memory-bound per-token operations of a decoder layer: RMSNorm, rotary embeddings, residual
// add (SwiGLU is swiglu.c). Each matches the transformers expression cited beside it, in float32.

#include "ckernels.h"

#include <math.h>

#define SK_TARGETS __attribute__((target_clones("avx512f", "avx2", "default")))

// Qwen2RMSNorm / LlamaRMSNorm: variance = mean(x²); x = x · rsqrt(variance + eps); weight · x.
SK_TARGETS
void sk_rms_norm(const float *x, const float *weight, float epsilon, size_t width, float *output) {
    float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= width; i += 8)
        for (int lane = 0; lane < 8; lane++) partial[lane] += x[i + lane] * x[i + lane];
    for (; i < width; i++) partial[0] += x[i] * x[i];
    float sum = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
    float scale = 1.0f / sqrtf(sum / (float)width + epsilon);
    for (i = 0; i < width; i++) output[i] = weight[i] * (x[i] * scale);
}

// apply_rotary_pos_emb: x · cos + rotate_half(x) · sin, rotate_half(x) = cat(-x[half:], x[:half]),
// with cos and sin of cat(freqs, freqs), so both halves use the same half-width tables.
SK_TARGETS
void sk_rope(float *heads, size_t head_count, size_t head_dim, const float *cos_table, const float *sin_table) {
    size_t half = head_dim / 2;
    for (size_t h = 0; h < head_count; h++) {
        float *x = heads + h * head_dim;
        for (size_t i = 0; i < half; i++) {
            float first = x[i];
            float second = x[i + half];
            x[i] = first * cos_table[i] - second * sin_table[i];
            x[i + half] = second * cos_table[i] + first * sin_table[i];
        }
    }
}

SK_TARGETS
void sk_add(float *accumulator, const float *addend, size_t count) {
    for (size_t i = 0; i < count; i++) accumulator[i] += addend[i];
}

// The sum of `count` floats with sixteen independent partial sums: a pure streaming read, used by
// the benchmarks to measure the memory bandwidth the decode kernels are held against.
SK_TARGETS
float sk_sum(const float *values, size_t count) {
    float partial[16] = {0};
    size_t i = 0;
    for (; i + 16 <= count; i += 16)
        for (int lane = 0; lane < 16; lane++) partial[lane] += values[i + lane];
    for (; i < count; i++) partial[0] += values[i];
    float total = 0;
    for (int lane = 0; lane < 16; lane++) total += partial[lane];
    return total;
}

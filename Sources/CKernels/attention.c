// Causal softmax attention of one token's query heads against the keys and values of its sequence,
// read from the paged KV cache (see Engine/KVCache.swift for the layout).
//
// Matches transformers' eager attention for Qwen2/Llama: scores = q·k × scale, softmax in float32
// over positions 0 ... position (the causal mask), then the probability-weighted sum of values. The
// query heads that share one key/value head (grouped-query attention) are done together so that each
// key and value row is loaded once for the whole group.

#include "ckernels.h"

#include <math.h>

#define SK_TARGETS __attribute__((target_clones("avx512f", "avx2", "default")))

static inline const float *cache_row(const float *base, const int32_t *block_table, size_t block_size,
                                     size_t block_stride, size_t head_dim, size_t position) {
    return base + (size_t)block_table[position / block_size] * block_stride + (position % block_size) * head_dim;
}

static inline float dot(const float *a, const float *b, size_t count) {
    // Eight independent partial sums: vectorisable without reassociating a single sum.
    float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= count; i += 8)
        for (int lane = 0; lane < 8; lane++) partial[lane] += a[i + lane] * b[i + lane];
    for (; i < count; i++) partial[0] += a[i] * b[i];
    return ((partial[0] + partial[1]) + (partial[2] + partial[3])) + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
}

SK_TARGETS
void sk_attention(const float *queries, size_t group_size, size_t head_dim, const float *keys, const float *values,
                  const int32_t *block_table, size_t block_size, size_t block_stride, size_t context_length,
                  float scale, float *scores, float *output) {
    for (size_t g = 0; g < group_size; g++) {
        const float *q = queries + g * head_dim;
        float *row = scores + g * context_length;
        float maximum = -INFINITY;
        for (size_t p = 0; p < context_length; p++) {
            row[p] = dot(q, cache_row(keys, block_table, block_size, block_stride, head_dim, p), head_dim) * scale;
            if (row[p] > maximum) maximum = row[p];
        }
        float sum = 0;
        for (size_t p = 0; p < context_length; p++) {
            row[p] = expf(row[p] - maximum);
            sum += row[p];
        }
        float inverse = 1.0f / sum;
        for (size_t p = 0; p < context_length; p++) row[p] *= inverse;
    }
    for (size_t i = 0; i < group_size * head_dim; i++) output[i] = 0;
    for (size_t p = 0; p < context_length; p++) {
        const float *v = cache_row(values, block_table, block_size, block_stride, head_dim, p);
        for (size_t g = 0; g < group_size; g++) {
            float weight = scores[g * context_length + p];
            float *out = output + g * head_dim;
            for (size_t d = 0; d < head_dim; d++) out[d] += weight * v[d];
        }
    }
}

// Causal softmax attention of one token's query heads against the keys and values of its sequence,
// read from the paged KV cache (layout in ckernels.h and Engine/KVCache.swift).
//
// Matches transformers' eager attention for Qwen2/Llama: scores = q·k × scale, softmax in float32
// over positions 0 ... position (the causal mask), then the probability-weighted sum of values. Three
// passes per token and KV head, each a plain loop over the context:
//
//     s[g][p] = (q_g · k_p) × scale                      for the group's query heads g, positions p
//     e[g][p] = exp(s[g][p] − max_p s[g][p]),  sum_g = Σ_p e[g][p]
//     out[g]  = (Σ_p e[g][p] · v_p) / sum_g
//
// Why this shape (measured with `spark-bench attention`, README "Performance"):
// - Keys are stored transposed within a block ([headDim][slot]), so one dimension of a block's keys is
//   `block_size` contiguous floats: the scores of 16 positions for all query heads of the group are
//   broadcast-FMAs over the dimensions, with no horizontal sum per position (a dot product per
//   position, the previous kernel, is bound by that sum and by the latency of its one FMA chain).
// - Values stay [slot][headDim]: the weighted sum is broadcast-FMAs of e[g][p] over a value row,
//   with the whole (query head × dimension) tile of accumulators held in registers over the context.
// - A two-pass softmax with a vectorised exp rather than an online (streaming) one: the same work
//   minus the per-block rescaling and horizontal maxima, and the softmax is transformers' own.
//
// Every output is reduced in one fixed order per instruction set that depends only on the group
// size, head dimension and context length (never on the block table or on other tokens), so results
// are batch-invariant. Variants: AVX-512, AVX2+FMA and portable C, picked like sk_linear's.

#include "ckernels.h"

#include <math.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef void (*attention_kernel)(const float *queries, size_t group_size, size_t head_dim, const float *keys,
                                 const float *values, const int32_t *block_table, size_t block_size,
                                 size_t block_stride, size_t context_length, float scale, float *scores,
                                 float *output);

#define INLINE static inline __attribute__((always_inline))

static inline size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

#if defined(__x86_64__)

// Software prefetch, because the blocks of a sequence lie anywhere in the cache and the hardware
// prefetchers only follow a stream within a page; a block of one head is 4 kB at head_dim 64. While
// the scores pass works on one block it fetches the next block's keys into L1 and this block's values
// into L2; the values pass fetches the next block's values into L1. Measured on one thread, 32
// sequences at context 2048, group 7, 24 layers: 138 µs per call without prefetch, 126 µs with the
// keys only, 69 µs adding the values into L2, 47 µs adding them into L1 in the values pass (fetching
// two blocks ahead gained nothing more).

// The block (of `base`, keys or values) after the one at `start`, or that one if it is the last.
static inline const float *next_block(const float *base, const int32_t *block_table, size_t block_size,
                                      size_t block_stride, size_t start, size_t length) {
    size_t next = start + block_size < length ? start + block_size : start;
    return base + (size_t)block_table[next / block_size] * block_stride;
}

// Row `d` of a block ([d][slot], block_size floats) of the next keys, and the same floats of this
// block's values: called for every d, it covers both blocks.
INLINE void prefetch_row(const float *next_keys, const float *block_values, size_t d, size_t block_size) {
    for (size_t offset = d * block_size; offset < (d + 1) * block_size; offset += 16) {
        _mm_prefetch((const char *)(next_keys + offset), _MM_HINT_T0);
        _mm_prefetch((const char *)(block_values + offset), _MM_HINT_T1);
    }
}

#endif

// Cephes' expf polynomial: e^r = 1 + r + r²·P(r) for |r| ≤ ln2/2, after x = n·ln2 + r with ln2 split
// in two (Cody-Waite) so that r is exact. Within 1 ulp of the correctly rounded e^x for x in
// [−87, 0] (checked against double exp at every float of [−1, 0] and densely below), as is expf.
#define EXP_LOG2E 1.44269504088896341f
#define EXP_LN2_HI 0.693359375f
#define EXP_LN2_LO -2.12194440e-4f
#define EXP_P0 1.9875691500e-4f
#define EXP_P1 1.3981999507e-3f
#define EXP_P2 8.3334519073e-3f
#define EXP_P3 4.1665795894e-2f
#define EXP_P4 1.6666665459e-1f
#define EXP_P5 5.0000001201e-1f

// ---------------------------------------------------------------------------------------------------
// Portable: the three passes written out plainly; also the reference shape for the vector variants.

static void attention_portable(const float *queries, size_t group_size, size_t head_dim, const float *keys,
                               const float *values, const int32_t *block_table, size_t block_size,
                               size_t block_stride, size_t context_length, float scale, float *scores,
                               float *output) {
    size_t length = context_length;
    for (size_t start = 0; start < length; start += block_size) {
        const float *block_keys = keys + (size_t)block_table[start / block_size] * block_stride;
        size_t count = min_size(block_size, length - start);
        for (size_t g = 0; g < group_size; g++) {
            float *s = scores + g * length + start;
            for (size_t slot = 0; slot < count; slot++) s[slot] = 0;
            for (size_t d = 0; d < head_dim; d++) {
                float q = queries[g * head_dim + d];
                for (size_t slot = 0; slot < count; slot++) s[slot] += q * block_keys[d * block_size + slot];
            }
            for (size_t slot = 0; slot < count; slot++) s[slot] *= scale;
        }
    }
    for (size_t g = 0; g < group_size; g++) {
        float *e = scores + g * length;
        float maximum = -INFINITY;
        for (size_t p = 0; p < length; p++) maximum = e[p] > maximum ? e[p] : maximum;
        float sum = 0;
        for (size_t p = 0; p < length; p++) {
            e[p] = expf(e[p] - maximum);
            sum += e[p];
        }
        float *out = output + g * head_dim;
        for (size_t d = 0; d < head_dim; d++) out[d] = 0;
        for (size_t start = 0; start < length; start += block_size) {
            const float *block_values = values + (size_t)block_table[start / block_size] * block_stride;
            size_t count = min_size(block_size, length - start);
            for (size_t slot = 0; slot < count; slot++)
                for (size_t d = 0; d < head_dim; d++) out[d] += e[start + slot] * block_values[slot * head_dim + d];
        }
        float inverse = 1.0f / sum;
        for (size_t d = 0; d < head_dim; d++) out[d] *= inverse;
    }
}

#if defined(__x86_64__)

// ---------------------------------------------------------------------------------------------------
// AVX-512: 16 positions per score vector, 16 dimensions per value vector, 32 registers.

#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))

// Query heads handled together: the scores tile is 2 × 8 accumulators, the values tile 8 × 3.
#define AVX512_GROUP 8

static inline __mmask16 lanes_512(size_t count) {
    return count >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << count) - 1);
}

// e^x for x ≤ 0; scalef makes 2^n exact down to the subnormals and 0 below them.
AVX512_TARGET INLINE __m512 exp_512(__m512 x) {
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(EXP_LOG2E)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(EXP_LN2_HI), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(EXP_LN2_LO), r);
    __m512 p = _mm512_set1_ps(EXP_P0);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P5));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

// Scores of `gn` query heads (a constant ≤ 8) for every position, and each head's maximum. Each
// score sums its head_dim products over `chains` interleaved accumulators (dimensions d ≡ j mod
// chains), then adds them: a single head needs four chains to cover the FMA latency, more heads
// cover it themselves. `block_size` is a constant 16 on the fast path (one vector per dimension).
AVX512_TARGET INLINE void scores_512(int gn, size_t block_size, const float *queries, size_t head_dim,
                                     const float *keys, const float *values, const int32_t *block_table,
                                     size_t block_stride, size_t length, float scale, float *scores,
                                     float *maxima) {
    const int chains = gn == 1 ? 4 : 2;
    __m512 maximum[AVX512_GROUP];
    for (int g = 0; g < gn; g++) maximum[g] = _mm512_set1_ps(-INFINITY);
    for (size_t start = 0; start < length; start += block_size) {
        size_t block = (size_t)block_table[start / block_size] * block_stride;
        const float *block_keys = keys + block;
        const float *next_keys = next_block(keys, block_table, block_size, block_stride, start, length);
        size_t count = min_size(block_size, length - start);
        for (size_t c = 0; c < count; c += 16) {
            __mmask16 mask = lanes_512(count - c);
            __m512 acc[4][AVX512_GROUP];
            for (int j = 0; j < chains; j++)
                for (int g = 0; g < gn; g++) acc[j][g] = _mm512_setzero_ps();
            size_t d = 0;
            for (; d + chains <= head_dim; d += chains) {
                for (int j = 0; j < chains; j++) {
                    if (c == 0) prefetch_row(next_keys, values + block, d + j, block_size);
                    __m512 k = _mm512_maskz_loadu_ps(mask, block_keys + (d + j) * block_size + c);
                    for (int g = 0; g < gn; g++)
                        acc[j][g] = _mm512_fmadd_ps(_mm512_set1_ps(queries[g * head_dim + d + j]), k, acc[j][g]);
                }
            }
            for (; d < head_dim; d++) {
                if (c == 0) prefetch_row(next_keys, values + block, d, block_size);
                __m512 k = _mm512_maskz_loadu_ps(mask, block_keys + d * block_size + c);
                for (int g = 0; g < gn; g++)
                    acc[0][g] = _mm512_fmadd_ps(_mm512_set1_ps(queries[g * head_dim + d]), k, acc[0][g]);
            }
            for (int g = 0; g < gn; g++) {
                __m512 s = _mm512_add_ps(acc[0][g], acc[1][g]);
                if (chains == 4) s = _mm512_add_ps(s, _mm512_add_ps(acc[2][g], acc[3][g]));
                s = _mm512_mul_ps(s, _mm512_set1_ps(scale));
                _mm512_mask_storeu_ps(scores + g * length + start + c, mask, s);
                maximum[g] = _mm512_mask_max_ps(maximum[g], mask, maximum[g], s);
            }
        }
    }
    for (int g = 0; g < gn; g++) maxima[g] = _mm512_reduce_max_ps(maximum[g]);
}

// Replaces each of `gn` rows of scores by e = exp(s − maximum) and returns 1 / Σ e per row, the sum
// taken lane-wise over the row and then across lanes by the intrinsic's fixed tree.
AVX512_TARGET static void softmax_512(size_t gn, float *scores, size_t length, const float *maxima,
                                      float *inverse_sums) {
    for (size_t g = 0; g < gn; g++) {
        float *row = scores + g * length;
        __m512 maximum = _mm512_set1_ps(maxima[g]);
        __m512 sum = _mm512_setzero_ps();
        for (size_t p = 0; p < length; p += 16) {
            __mmask16 mask = lanes_512(length - p);
            __m512 x = _mm512_sub_ps(_mm512_maskz_loadu_ps(mask, row + p), maximum);
            __m512 e = _mm512_maskz_mov_ps(mask, exp_512(x));
            _mm512_mask_storeu_ps(row + p, mask, e);
            sum = _mm512_add_ps(sum, e);
        }
        inverse_sums[g] = 1.0f / _mm512_reduce_add_ps(sum);
    }
}

// out[g][d] = inverse_sums[g] · Σ_p e[g][p] · v_p[d] for `gn` heads (constant) and `dn` vectors of
// 16 dimensions (constant, ≤ 4) starting at `values` (already offset to the tile's first dimension);
// masks[j] selects the dimensions of vector j that exist. One accumulator chain per output, over the
// positions in order.
AVX512_TARGET INLINE void values_512(int gn, int dn, const float *weights, size_t length, const float *values,
                                     const int32_t *block_table, size_t block_size, size_t block_stride,
                                     size_t head_dim, const __mmask16 *masks, const float *inverse_sums,
                                     float *output) {
    __m512 acc[AVX512_GROUP][4];
    for (int g = 0; g < gn; g++)
        for (int j = 0; j < dn; j++) acc[g][j] = _mm512_setzero_ps();
    for (size_t start = 0; start < length; start += block_size) {
        const float *block_values = values + (size_t)block_table[start / block_size] * block_stride;
        const float *next_values = next_block(values, block_table, block_size, block_stride, start, length);
        size_t count = min_size(block_size, length - start);
        for (size_t slot = 0; slot < count; slot++) {
            for (int j = 0; j < dn; j++)
                _mm_prefetch((const char *)(next_values + slot * head_dim + 16 * j), _MM_HINT_T0);
            __m512 row[4];
            for (int j = 0; j < dn; j++)
                row[j] = _mm512_maskz_loadu_ps(masks[j], block_values + slot * head_dim + 16 * j);
            for (int g = 0; g < gn; g++) {
                __m512 w = _mm512_set1_ps(weights[g * length + start + slot]);
                for (int j = 0; j < dn; j++) acc[g][j] = _mm512_fmadd_ps(w, row[j], acc[g][j]);
            }
        }
    }
    for (int g = 0; g < gn; g++)
        for (int j = 0; j < dn; j++)
            _mm512_mask_storeu_ps(output + g * head_dim + 16 * j, masks[j],
                                  _mm512_mul_ps(acc[g][j], _mm512_set1_ps(inverse_sums[g])));
}

#define SCORES_512_CASE(GN, BLOCK_SIZE)                                                                    \
    case GN:                                                                                               \
        scores_512(GN, BLOCK_SIZE, q, head_dim, keys, values, block_table, block_stride, length, scale, s, \
                   maxima);                                                                                \
        break;

#define SCORES_512(BLOCK_SIZE)                                                                       \
    switch (gn) {                                                                                    \
        SCORES_512_CASE(1, BLOCK_SIZE) SCORES_512_CASE(2, BLOCK_SIZE) SCORES_512_CASE(3, BLOCK_SIZE) \
        SCORES_512_CASE(4, BLOCK_SIZE) SCORES_512_CASE(5, BLOCK_SIZE) SCORES_512_CASE(6, BLOCK_SIZE) \
        SCORES_512_CASE(7, BLOCK_SIZE) SCORES_512_CASE(8, BLOCK_SIZE)                                \
    }

#define VALUES_512_CASE(GN, DN)                                                                            \
    case DN:                                                                                               \
        values_512(GN, DN, s, length, values + d0, block_table, block_size, block_stride, head_dim, masks, \
                   inverse_sums, output + g0 * head_dim + d0);                                             \
        break;

#define VALUES_512(GN)                                                                                              \
    case GN:                                                                                                        \
        switch (dn) { VALUES_512_CASE(GN, 1) VALUES_512_CASE(GN, 2) VALUES_512_CASE(GN, 3) VALUES_512_CASE(GN, 4) } \
        break;

AVX512_TARGET static void attention_avx512(const float *queries, size_t group_size, size_t head_dim,
                                           const float *keys, const float *values, const int32_t *block_table,
                                           size_t block_size, size_t block_stride, size_t context_length,
                                           float scale, float *scores, float *output) {
    size_t length = context_length;
    for (size_t g0 = 0; g0 < group_size; g0 += AVX512_GROUP) {
        int gn = (int)min_size(AVX512_GROUP, group_size - g0);
        const float *q = queries + g0 * head_dim;
        float *s = scores + g0 * length;
        float maxima[AVX512_GROUP], inverse_sums[AVX512_GROUP];
        if (block_size == 16) {
            SCORES_512(16)
        } else {
            SCORES_512(block_size)
        }
        softmax_512((size_t)gn, s, length, maxima, inverse_sums);
        // Up to 28 accumulators (7 heads × 4 vectors; 8 heads × 3), each value row's cache lines are
        // read by exactly one tile.
        size_t tile_vectors = gn == 8 ? 3 : 4;
        for (size_t d0 = 0; d0 < head_dim; d0 += 16 * tile_vectors) {
            int dn = (int)min_size(tile_vectors, (head_dim - d0 + 15) / 16);
            __mmask16 masks[4];
            for (int j = 0; j < dn; j++) masks[j] = lanes_512(head_dim - d0 - 16 * (size_t)j);
            switch (gn) {
                VALUES_512(1) VALUES_512(2) VALUES_512(3) VALUES_512(4)
                VALUES_512(5) VALUES_512(6) VALUES_512(7) VALUES_512(8)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// AVX2 + FMA: the same passes with 8-float vectors and 16 registers, so smaller tiles.

#define AVX2_TARGET __attribute__((target("avx2,fma")))
#define AVX2_GROUP 8

AVX2_TARGET INLINE __m256i lanes_256(size_t count) {
    int n = count >= 8 ? 8 : (int)count;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// e^x for x ≤ 0. Without scalef, 2^n is built in the exponent field, so x is first raised to
// −87.3, where 2^n is still a normal float: the error is below 1.2e-38, against a sum of at least 1.
AVX2_TARGET INLINE __m256 exp_256(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(EXP_LOG2E)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(EXP_LN2_HI), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(EXP_LN2_LO), r);
    __m256 p = _mm256_set1_ps(EXP_P0);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P5));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(exponent));
}

AVX2_TARGET INLINE float reduce_max_256(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

AVX2_TARGET INLINE float reduce_add_256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// As scores_512, 8 positions per vector; chains × gn ≤ 8 accumulators.
AVX2_TARGET INLINE void scores_256(int gn, size_t block_size, const float *queries, size_t head_dim,
                                   const float *keys, const float *values, const int32_t *block_table,
                                   size_t block_stride, size_t length, float scale, float *scores,
                                   float *maxima) {
    const int chains = gn <= 2 ? 4 : gn <= 4 ? 2 : 1;
    __m256 maximum[AVX2_GROUP];
    for (int g = 0; g < gn; g++) maximum[g] = _mm256_set1_ps(-INFINITY);
    for (size_t start = 0; start < length; start += block_size) {
        size_t block = (size_t)block_table[start / block_size] * block_stride;
        const float *block_keys = keys + block;
        const float *next_keys = next_block(keys, block_table, block_size, block_stride, start, length);
        size_t count = min_size(block_size, length - start);
        for (size_t c = 0; c < count; c += 8) {
            __m256i mask = lanes_256(count - c);
            __m256 acc[4][AVX2_GROUP];
            for (int j = 0; j < chains; j++)
                for (int g = 0; g < gn; g++) acc[j][g] = _mm256_setzero_ps();
            size_t d = 0;
            for (; d + chains <= head_dim; d += chains) {
                for (int j = 0; j < chains; j++) {
                    if (c == 0) prefetch_row(next_keys, values + block, d + j, block_size);
                    __m256 k = _mm256_maskload_ps(block_keys + (d + j) * block_size + c, mask);
                    for (int g = 0; g < gn; g++)
                        acc[j][g] = _mm256_fmadd_ps(_mm256_broadcast_ss(queries + g * head_dim + d + j), k, acc[j][g]);
                }
            }
            for (; d < head_dim; d++) {
                if (c == 0) prefetch_row(next_keys, values + block, d, block_size);
                __m256 k = _mm256_maskload_ps(block_keys + d * block_size + c, mask);
                for (int g = 0; g < gn; g++)
                    acc[0][g] = _mm256_fmadd_ps(_mm256_broadcast_ss(queries + g * head_dim + d), k, acc[0][g]);
            }
            for (int g = 0; g < gn; g++) {
                __m256 s = acc[0][g];
                if (chains >= 2) s = _mm256_add_ps(s, acc[1][g]);
                if (chains == 4) s = _mm256_add_ps(s, _mm256_add_ps(acc[2][g], acc[3][g]));
                s = _mm256_mul_ps(s, _mm256_set1_ps(scale));
                _mm256_maskstore_ps(scores + g * length + start + c, mask, s);
                maximum[g] = _mm256_max_ps(maximum[g], _mm256_blendv_ps(maximum[g], s, _mm256_castsi256_ps(mask)));
            }
        }
    }
    for (int g = 0; g < gn; g++) maxima[g] = reduce_max_256(maximum[g]);
}

AVX2_TARGET static void softmax_256(size_t gn, float *scores, size_t length, const float *maxima,
                                    float *inverse_sums) {
    for (size_t g = 0; g < gn; g++) {
        float *row = scores + g * length;
        __m256 maximum = _mm256_set1_ps(maxima[g]);
        __m256 sum = _mm256_setzero_ps();
        for (size_t p = 0; p < length; p += 8) {
            __m256i mask = lanes_256(length - p);
            __m256 e = _mm256_and_ps(exp_256(_mm256_sub_ps(_mm256_maskload_ps(row + p, mask), maximum)),
                                     _mm256_castsi256_ps(mask));
            _mm256_maskstore_ps(row + p, mask, e);
            sum = _mm256_add_ps(sum, e);
        }
        inverse_sums[g] = 1.0f / reduce_add_256(sum);
    }
}

// As values_512 with vectors of 8 dimensions; gn × dn ≤ 12 accumulators.
AVX2_TARGET INLINE void values_256(int gn, int dn, const float *weights, size_t length, const float *values,
                                   const int32_t *block_table, size_t block_size, size_t block_stride,
                                   size_t head_dim, const __m256i *masks, const float *inverse_sums,
                                   float *output) {
    __m256 acc[AVX2_GROUP][4];
    for (int g = 0; g < gn; g++)
        for (int j = 0; j < dn; j++) acc[g][j] = _mm256_setzero_ps();
    for (size_t start = 0; start < length; start += block_size) {
        const float *block_values = values + (size_t)block_table[start / block_size] * block_stride;
        const float *next_values = next_block(values, block_table, block_size, block_stride, start, length);
        size_t count = min_size(block_size, length - start);
        for (size_t slot = 0; slot < count; slot++) {
            for (int j = 0; j < dn; j++)
                _mm_prefetch((const char *)(next_values + slot * head_dim + 8 * j), _MM_HINT_T0);
            __m256 row[4];
            for (int j = 0; j < dn; j++) row[j] = _mm256_maskload_ps(block_values + slot * head_dim + 8 * j, masks[j]);
            for (int g = 0; g < gn; g++) {
                __m256 w = _mm256_broadcast_ss(weights + g * length + start + slot);
                for (int j = 0; j < dn; j++) acc[g][j] = _mm256_fmadd_ps(w, row[j], acc[g][j]);
            }
        }
    }
    for (int g = 0; g < gn; g++)
        for (int j = 0; j < dn; j++)
            _mm256_maskstore_ps(output + g * head_dim + 8 * j, masks[j],
                                _mm256_mul_ps(acc[g][j], _mm256_set1_ps(inverse_sums[g])));
}

#define SCORES_256_CASE(GN, BLOCK_SIZE)                                                                    \
    case GN:                                                                                               \
        scores_256(GN, BLOCK_SIZE, q, head_dim, keys, values, block_table, block_stride, length, scale, s, \
                   maxima);                                                                                \
        break;

#define SCORES_256(BLOCK_SIZE)                                                                       \
    switch (gn) {                                                                                    \
        SCORES_256_CASE(1, BLOCK_SIZE) SCORES_256_CASE(2, BLOCK_SIZE) SCORES_256_CASE(3, BLOCK_SIZE) \
        SCORES_256_CASE(4, BLOCK_SIZE) SCORES_256_CASE(5, BLOCK_SIZE) SCORES_256_CASE(6, BLOCK_SIZE) \
        SCORES_256_CASE(7, BLOCK_SIZE) SCORES_256_CASE(8, BLOCK_SIZE)                                \
    }

#define VALUES_256_CASE(GN, DN)                                                                            \
    case DN:                                                                                               \
        values_256(GN, DN, s, length, values + d0, block_table, block_size, block_stride, head_dim, masks, \
                   inverse_sums, output + g0 * head_dim + d0);                                             \
        break;

#define VALUES_256(GN)                                                                                              \
    case GN:                                                                                                        \
        switch (dn) { VALUES_256_CASE(GN, 1) VALUES_256_CASE(GN, 2) VALUES_256_CASE(GN, 3) VALUES_256_CASE(GN, 4) } \
        break;

AVX2_TARGET static void attention_avx2(const float *queries, size_t group_size, size_t head_dim, const float *keys,
                                       const float *values, const int32_t *block_table, size_t block_size,
                                       size_t block_stride, size_t context_length, float scale, float *scores,
                                       float *output) {
    size_t length = context_length;
    for (size_t g0 = 0; g0 < group_size; g0 += AVX2_GROUP) {
        int gn = (int)min_size(AVX2_GROUP, group_size - g0);
        const float *q = queries + g0 * head_dim;
        float *s = scores + g0 * length;
        float maxima[AVX2_GROUP], inverse_sums[AVX2_GROUP];
        if (block_size == 16) {
            SCORES_256(16)
        } else {
            SCORES_256(block_size)
        }
        softmax_256((size_t)gn, s, length, maxima, inverse_sums);
        size_t tile_vectors = gn <= 3 ? 4 : gn == 4 ? 3 : gn <= 6 ? 2 : 1;
        for (size_t d0 = 0; d0 < head_dim; d0 += 8 * tile_vectors) {
            int dn = (int)min_size(tile_vectors, (head_dim - d0 + 7) / 8);
            __m256i masks[4];
            for (int j = 0; j < dn; j++) masks[j] = lanes_256(head_dim - d0 - 8 * (size_t)j);
            switch (gn) {
                VALUES_256(1) VALUES_256(2) VALUES_256(3) VALUES_256(4)
                VALUES_256(5) VALUES_256(6) VALUES_256(7) VALUES_256(8)
            }
        }
    }
}

#endif  // __x86_64__

// ---------------------------------------------------------------------------------------------------
// Dispatch

static attention_kernel kernel_for(sk_isa isa) {
    switch (isa) {
#if defined(__x86_64__)
        case SK_ISA_AVX512: return attention_avx512;
        case SK_ISA_AVX2: return attention_avx2;
#endif
        default: return attention_portable;
    }
}

void sk_attention(const float *queries, size_t group_size, size_t head_dim, const float *keys, const float *values,
                  const int32_t *block_table, size_t block_size, size_t block_stride, size_t context_length,
                  float scale, float *scores, float *output) {
    kernel_for(sk_best_isa())(queries, group_size, head_dim, keys, values, block_table, block_size, block_stride,
                              context_length, scale, scores, output);
}

int sk_attention_with_isa(sk_isa isa, const float *queries, size_t group_size, size_t head_dim, const float *keys,
                          const float *values, const int32_t *block_table, size_t block_size, size_t block_stride,
                          size_t context_length, float scale, float *scores, float *output) {
    if (!sk_isa_supported(isa)) return 0;
    kernel_for(isa)(queries, group_size, head_dim, keys, values, block_table, block_size, block_stride,
                    context_length, scale, scores, output);
    return 1;
}

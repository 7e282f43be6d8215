// Passes of the sampler (Engine/Sampler.swift) over one row of logits: the largest value and its
// first index, Σ exp(x·scale − shift) (the softmax normaliser), the walk that finds where a uniform
// draw falls among those exponentials, and the indices of the values at or above a threshold (the
// candidates of top-k, top-p and top logprobs). Also a softmax in place, the rows of the training
// pass's attention probabilities (Training/CausalAttention.swift), where a scalar expf loop took a
// fifth of a training step.
//
// Why C: at Qwen's 151,936-token vocabulary the Swift loops over scalar `expf` cost 0.9 ms per greedy
// token and 1.8 ms per sampled one, once per sequence per decode step on the engine thread.
//
// exp is glibc's expf algorithm in double (exp_bits.h): one rounding to float at the end, at most
// 0.502 ulp from e^x, subnormals included. With glibc's fused multiply-adds (its x86-64 FMA build)
// it gives glibc's bits for every float: checked on all 4.28e9 floats but NaN, in every variant, on
// the development machine (glibc's build for x86-64 CPUs without FMA rounds its range reduction
// apart and differs on two floats). So the weights are exactly those of a scalar loop over expf,
// and a seeded draw picks the token such a loop picks unless it falls within the rounding of the
// double sums (1e-16 relative) of a boundary between two tokens. (Sleef's expf_u10 in float, tried
// first, is within 0.99 ulp but differs from glibc on 0.77 % of floats; those differences moved the
// running sums enough to change 2 in 10,000 plain-temperature draws at Qwen's vocabulary.)
//
// Every variant (AVX-512, AVX2 + FMA, portable C with fma) computes the same bits: the exponential
// is the same sequence of roundings, and sums are taken in one fixed order (below). So a seeded draw
// does not depend on the machine, and the tests hold every variant to the portable one exactly. The
// price is on x86-64 CPUs without AVX2, where fma is emulated by libm: the portable exp pass takes
// 1.3 ms per 152k row there (SPARK_ISA=portable), against 55 µs for AVX-512.

#include "ckernels.h"
#include "exp_bits.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Products and sums round exactly as written: `x * scale - shift` must round like Swift's, and the
// variants like each other. Fused multiply-adds are spelled out (fma, _fmadd_) where intended.
#pragma STDC FP_CONTRACT OFF

// Values per block of the exp passes. A block's weights are summed in 16 lanes in double (lane j
// takes offsets j, j + 16, ... in order), then the lanes pairwise: (j, j + 8), (j, j + 4), (j, j + 2),
// (0, 1); a row's sum is the blocks' sums added in order. The walk of a draw skips whole blocks by
// these sums and goes weight by weight only through the block the draw falls in, reading the
// weights back from a 1 KiB buffer instead of computing them again.
#define BLOCK 256

// The weights exp(x[i]·scale − shift) of one block of `length` ≤ BLOCK values, written to `weights`,
// and their sum in the order above.
typedef double (*block_kernel)(const float *x, size_t length, float scale, float shift, float *weights);

// One variant's kernels; the passes over a whole row (argmax, exp sum, walk) are written once, below
// the variants, in terms of these.
typedef struct {
    float (*max)(const float *values, size_t count);
    size_t (*first_equal)(const float *values, size_t count, float target);
    size_t (*select_at_least)(const float *values, size_t count, float threshold, int32_t *indices,
                              size_t capacity);
    block_kernel block;
} sampling_kernels;

// ---------------------------------------------------------------------------------------------------
// Portable

static double reduce_lanes(double lane[16]) {
    for (int width = 8; width >= 1; width /= 2)
        for (int j = 0; j < width; j++) lane[j] += lane[j + width];
    return lane[0];
}

static double block_portable(const float *x, size_t length, float scale, float shift, float *weights) {
    double lane[16] = {0};
    for (size_t i = 0; i < length; i++) {
        weights[i] = exp_portable(x[i] * scale - shift);
        lane[i % 16] += (double)weights[i];
    }
    return reduce_lanes(lane);
}

static float max_portable(const float *values, size_t count) {
    float best = -INFINITY;
    for (size_t i = 0; i < count; i++)
        if (values[i] > best) best = values[i];
    return best;
}

static size_t first_equal_portable(const float *values, size_t count, float target) {
    for (size_t i = 0; i < count; i++)
        if (values[i] == target) return i;
    return count;
}

static size_t select_at_least_portable(const float *values, size_t count, float threshold, int32_t *indices,
                                       size_t capacity) {
    size_t found = 0;
    for (size_t i = 0; i < count; i++) {
        if (values[i] >= threshold) {
            if (found < capacity) indices[found] = (int32_t)i;
            found++;
        }
    }
    return found;
}

static const sampling_kernels portable_kernels = {max_portable, first_equal_portable, select_at_least_portable,
                                                  block_portable};

#if defined(__x86_64__)

// Appends the indices `base + j` of the set bits j of `mask`, in order, while there is room.
static inline size_t append_indices(uint32_t mask, size_t base, int32_t *indices, size_t capacity, size_t found) {
    while (mask) {
        if (found < capacity) indices[found] = (int32_t)(base + (size_t)__builtin_ctz(mask));
        found++;
        mask &= mask - 1;
    }
    return found;
}

// ---------------------------------------------------------------------------------------------------
// AVX-512

#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))

static inline __mmask16 tail_mask_512(size_t count, size_t i) {
    return count - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (count - i)) - 1);
}

// The weights of 8 values (those in `mask`; 0 for the others), stored, and added to 8 lanes.
AVX512_TARGET static inline __m512d weigh_8_512(const float *x, __mmask8 mask, __m256 scale, __m256 shift,
                                                float *weights, __m512d lanes) {
    __m256 argument = _mm256_sub_ps(_mm256_mul_ps(_mm256_maskz_loadu_ps(mask, x), scale), shift);
    __m256 weight = _mm256_maskz_mov_ps(mask, exp_8_512(argument));
    _mm256_mask_storeu_ps(weights, mask, weight);
    return _mm512_add_pd(lanes, _mm512_cvtps_pd(weight));
}

AVX512_TARGET static double block_512(const float *x, size_t length, float scale, float shift, float *weights) {
    __m256 scale_v = _mm256_set1_ps(scale);
    __m256 shift_v = _mm256_set1_ps(shift);
    __m512d low = _mm512_setzero_pd();   // lanes 0-7
    __m512d high = _mm512_setzero_pd();  // lanes 8-15
    size_t i = 0;
    for (; i + 16 <= length; i += 16) {
        low = weigh_8_512(x + i, 0xff, scale_v, shift_v, weights + i, low);
        high = weigh_8_512(x + i + 8, 0xff, scale_v, shift_v, weights + i + 8, high);
    }
    if (i < length) {
        size_t rest = length - i;
        low = weigh_8_512(x + i, (__mmask8)(rest >= 8 ? 0xff : (1u << rest) - 1), scale_v, shift_v, weights + i, low);
        if (rest > 8)
            high = weigh_8_512(x + i + 8, (__mmask8)((1u << (rest - 8)) - 1), scale_v, shift_v, weights + i + 8, high);
    }
    __m512d eight = _mm512_add_pd(low, high);
    __m256d four = _mm256_add_pd(_mm512_castpd512_pd256(eight), _mm512_extractf64x4_pd(eight, 1));
    __m128d two = _mm_add_pd(_mm256_castpd256_pd128(four), _mm256_extractf128_pd(four, 1));
    return _mm_cvtsd_f64(_mm_add_sd(two, _mm_unpackhi_pd(two, two)));
}

AVX512_TARGET static float max_512(const float *values, size_t count) {
    // Four accumulators: one max per cycle instead of one per latency. max(v, best) returns best
    // when v is NaN, so NaN is skipped as in the portable loop.
    __m512 best[4];
    for (int j = 0; j < 4; j++) best[j] = _mm512_set1_ps(-INFINITY);
    size_t i = 0;
    for (; i + 64 <= count; i += 64)
        for (int j = 0; j < 4; j++) best[j] = _mm512_max_ps(_mm512_loadu_ps(values + i + 16 * j), best[j]);
    for (; i < count; i += 16) {
        __m512 v = _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), tail_mask_512(count, i), values + i);
        best[0] = _mm512_max_ps(v, best[0]);
    }
    return _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(best[0], best[1]), _mm512_max_ps(best[2], best[3])));
}

AVX512_TARGET static size_t first_equal_512(const float *values, size_t count, float target) {
    __m512 target_v = _mm512_set1_ps(target);
    for (size_t i = 0; i < count; i += 16) {
        __mmask16 mask = tail_mask_512(count, i);
        __mmask16 equal = _mm512_mask_cmp_ps_mask(mask, _mm512_maskz_loadu_ps(mask, values + i), target_v, _CMP_EQ_OQ);
        if (equal) return i + (size_t)__builtin_ctz(equal);
    }
    return count;
}

AVX512_TARGET static size_t select_at_least_512(const float *values, size_t count, float threshold,
                                                int32_t *indices, size_t capacity) {
    __m512 threshold_v = _mm512_set1_ps(threshold);
    size_t found = 0;
    for (size_t i = 0; i < count; i += 16) {
        __mmask16 mask = tail_mask_512(count, i);
        __mmask16 above =
            _mm512_mask_cmp_ps_mask(mask, _mm512_maskz_loadu_ps(mask, values + i), threshold_v, _CMP_GE_OQ);
        found = append_indices(above, i, indices, capacity, found);
    }
    return found;
}

static const sampling_kernels avx512_kernels = {max_512, first_equal_512, select_at_least_512, block_512};

// ---------------------------------------------------------------------------------------------------
// AVX2 + FMA: the same operations on 8 lanes; masked loads and stores for the tails.

#define AVX2_TARGET __attribute__((target("avx2,fma")))

// All ones in the lanes i ..< count (none if i ≥ count).
AVX2_TARGET static inline __m256i tail_mask_256(size_t count, size_t i) {
    int remaining = count > i ? (count - i >= 8 ? 8 : (int)(count - i)) : 0;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(remaining), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

AVX2_TARGET static double block_256(const float *x, size_t length, float scale, float shift, float *weights) {
    __m256 scale_v = _mm256_set1_ps(scale);
    __m256 shift_v = _mm256_set1_ps(shift);
    __m256d lanes[4];  // lanes 0-3, 4-7, 8-11, 12-15
    for (int j = 0; j < 4; j++) lanes[j] = _mm256_setzero_pd();
    for (size_t i = 0; i < length; i += 16) {
        for (int half = 0; half < 2; half++) {
            size_t at = i + 8 * (size_t)half;
            __m256i mask = tail_mask_256(length, at);
            __m256 argument = _mm256_sub_ps(_mm256_mul_ps(_mm256_maskload_ps(x + at, mask), scale_v), shift_v);
            __m256 weight = _mm256_and_ps(exp_256(argument), _mm256_castsi256_ps(mask));
            _mm256_maskstore_ps(weights + at, mask, weight);
            lanes[2 * half] = _mm256_add_pd(lanes[2 * half], _mm256_cvtps_pd(_mm256_castps256_ps128(weight)));
            lanes[2 * half + 1] = _mm256_add_pd(lanes[2 * half + 1], _mm256_cvtps_pd(_mm256_extractf128_ps(weight, 1)));
        }
    }
    __m256d four = _mm256_add_pd(_mm256_add_pd(lanes[0], lanes[2]), _mm256_add_pd(lanes[1], lanes[3]));
    __m128d two = _mm_add_pd(_mm256_castpd256_pd128(four), _mm256_extractf128_pd(four, 1));
    return _mm_cvtsd_f64(_mm_add_sd(two, _mm_unpackhi_pd(two, two)));
}

AVX2_TARGET static float max_256(const float *values, size_t count) {
    __m256 best[4];
    for (int j = 0; j < 4; j++) best[j] = _mm256_set1_ps(-INFINITY);
    size_t i = 0;
    for (; i + 32 <= count; i += 32)
        for (int j = 0; j < 4; j++) best[j] = _mm256_max_ps(_mm256_loadu_ps(values + i + 8 * j), best[j]);
    __m256 all = _mm256_max_ps(_mm256_max_ps(best[0], best[1]), _mm256_max_ps(best[2], best[3]));
    float lanes[8];
    _mm256_storeu_ps(lanes, all);
    float result = max_portable(lanes, 8);
    float rest = max_portable(values + i, count - i);
    return rest > result ? rest : result;
}

AVX2_TARGET static size_t first_equal_256(const float *values, size_t count, float target) {
    __m256 target_v = _mm256_set1_ps(target);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        int equal = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(values + i), target_v, _CMP_EQ_OQ));
        if (equal) return i + (size_t)__builtin_ctz((unsigned)equal);
    }
    return i + first_equal_portable(values + i, count - i, target);
}

AVX2_TARGET static size_t select_at_least_256(const float *values, size_t count, float threshold,
                                              int32_t *indices, size_t capacity) {
    __m256 threshold_v = _mm256_set1_ps(threshold);
    size_t found = 0;
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        int above = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(values + i), threshold_v, _CMP_GE_OQ));
        found = append_indices((uint32_t)above, i, indices, capacity, found);
    }
    for (; i < count; i++) {
        if (values[i] >= threshold) found = append_indices(1, i, indices, capacity, found);
    }
    return found;
}

static const sampling_kernels avx2_kernels = {max_256, first_equal_256, select_at_least_256, block_256};

#endif  // __x86_64__

// ---------------------------------------------------------------------------------------------------
// Passes shared by every variant, and dispatch

static const sampling_kernels *kernels_for(sk_isa isa) {
    switch (isa) {
#if defined(__x86_64__)
        case SK_ISA_AVX512: return &avx512_kernels;
        case SK_ISA_AVX2: return &avx2_kernels;
#endif
        default: return &portable_kernels;
    }
}

static size_t argmax_with(const sampling_kernels *kernels, const float *values, size_t count) {
    size_t index = kernels->first_equal(values, count, kernels->max(values, count));
    return index < count ? index : 0;
}

static double exp_sum_with(const sampling_kernels *kernels, const float *values, size_t count, float scale,
                           float shift) {
    float weights[BLOCK];
    double sum = 0;
    for (size_t start = 0; start < count; start += BLOCK) {
        size_t length = count - start < BLOCK ? count - start : BLOCK;
        sum += kernels->block(values + start, length, scale, shift, weights);
    }
    return sum;
}

static size_t exp_walk_with(const sampling_kernels *kernels, const float *values, size_t count, float scale,
                            float shift, double threshold) {
    float weights[BLOCK];
    for (size_t start = 0; start < count; start += BLOCK) {
        size_t length = count - start < BLOCK ? count - start : BLOCK;
        double block_sum = kernels->block(values + start, length, scale, shift, weights);
        if (threshold - block_sum >= 0) {
            threshold -= block_sum;
            continue;
        }
        for (size_t i = 0; i < length; i++) {
            threshold -= (double)weights[i];
            if (threshold < 0) return start + i;
        }
    }
    return count;
}

static void exp_with(const sampling_kernels *kernels, const float *x, float *y, size_t count) {
    for (size_t start = 0; start < count; start += BLOCK) {
        size_t length = count - start < BLOCK ? count - start : BLOCK;
        kernels->block(x + start, length, 1.0f, 0.0f, y + start);
    }
}

static void softmax_with(const sampling_kernels *kernels, float *values, size_t count) {
    float maximum = kernels->max(values, count);
    double sum = 0;
    // In place: a block reads each vector of values before it writes the weights over it.
    for (size_t start = 0; start < count; start += BLOCK) {
        size_t length = count - start < BLOCK ? count - start : BLOCK;
        sum += kernels->block(values + start, length, 1.0f, maximum, values + start);
    }
    float inverse = (float)(1.0 / sum);
    for (size_t i = 0; i < count; i++) values[i] *= inverse;
}

float sk_max(const float *values, size_t count) { return kernels_for(sk_best_isa())->max(values, count); }

size_t sk_argmax(const float *values, size_t count) { return argmax_with(kernels_for(sk_best_isa()), values, count); }

double sk_exp_sum(const float *values, size_t count, float scale, float shift) {
    return exp_sum_with(kernels_for(sk_best_isa()), values, count, scale, shift);
}

size_t sk_exp_walk(const float *values, size_t count, float scale, float shift, double threshold) {
    return exp_walk_with(kernels_for(sk_best_isa()), values, count, scale, shift, threshold);
}

size_t sk_select_at_least(const float *values, size_t count, float threshold, int32_t *indices, size_t capacity) {
    return kernels_for(sk_best_isa())->select_at_least(values, count, threshold, indices, capacity);
}

float sk_max_with_isa(sk_isa isa, const float *values, size_t count) { return kernels_for(isa)->max(values, count); }

size_t sk_argmax_with_isa(sk_isa isa, const float *values, size_t count) {
    return argmax_with(kernels_for(isa), values, count);
}

double sk_exp_sum_with_isa(sk_isa isa, const float *values, size_t count, float scale, float shift) {
    return exp_sum_with(kernels_for(isa), values, count, scale, shift);
}

size_t sk_exp_walk_with_isa(sk_isa isa, const float *values, size_t count, float scale, float shift,
                            double threshold) {
    return exp_walk_with(kernels_for(isa), values, count, scale, shift, threshold);
}

size_t sk_select_at_least_with_isa(sk_isa isa, const float *values, size_t count, float threshold, int32_t *indices,
                                   size_t capacity) {
    return kernels_for(isa)->select_at_least(values, count, threshold, indices, capacity);
}

void sk_exp_with_isa(sk_isa isa, const float *x, float *y, size_t count) { exp_with(kernels_for(isa), x, y, count); }

void sk_softmax(float *values, size_t count) { softmax_with(kernels_for(sk_best_isa()), values, count); }

void sk_softmax_with_isa(sk_isa isa, float *values, size_t count) { softmax_with(kernels_for(isa), values, count); }

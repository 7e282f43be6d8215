// y = x · Wᵀ + b for few rows of x (decode and small batches), reading W in its stored type.
//
// Why not cblas_sgemm here: OpenBLAS packs the weight matrix on every call, which for fewer than ~16
// rows costs as much as the multiply (measured 3-6 GFLOP/s at M = 1, a fifth of the memory limit;
// engine-anchors.md §1.3). These kernels stream every weight row once from memory and multiply it with
// up to MR rows of x held in cache, so decode runs at memory bandwidth, and bf16 weights (widened to
// f32 in registers, exactly) halve the bytes read.
//
// The work is cut into tiles of NR weight rows × MR rows of x; each tile keeps its accumulators in
// vector registers over the whole K loop. Variants: AVX-512 (below), AVX2+FMA (below) and
// portable C; the best one the CPU supports is picked once. Within one variant, every output is
// reduced in the same order whatever the number of rows, so results are batch-invariant.
//
// On CPUs without AVX-512, checkpoints are repacked at load for panels.c, which is faster there at
// every batch size; these kernels then serve weights read where they are (a trainer's parameters).

#include "ckernels.h"

#include <stdlib.h>
#include <string.h>

// Bytes of x rows kept hot per pass over the weights: half of a 1 MiB L2, leaving room for the
// weight tiles and outputs.
#define L2_BUDGET_BYTES (512 * 1024)

#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef void (*linear_kernel)(size_t rows, size_t k, const float *x, size_t x_stride, const void *w,
                              sk_dtype w_dtype, const float *bias, float *y, size_t y_stride, size_t n_begin,
                              size_t n_end);

static inline float widen_bf16(uint16_t value) {
    uint32_t bits = (uint32_t)value << 16;
    float result;
    memcpy(&result, &bits, sizeof result);
    return result;
}

// ---------------------------------------------------------------------------------------------------
// Portable reference-shaped kernel: four partial sums per dot product keep it from being
// latency-bound; also the fallback on CPUs without AVX2.

static inline float weight_at(const void *w, sk_dtype w_dtype, size_t index) {
    return w_dtype == SK_DTYPE_BF16 ? widen_bf16(((const uint16_t *)w)[index]) : ((const float *)w)[index];
}

static void linear_portable(size_t rows, size_t k, const float *x, size_t x_stride, const void *w, sk_dtype w_dtype,
                            const float *bias, float *y, size_t y_stride, size_t n_begin, size_t n_end) {
    for (size_t n = n_begin; n < n_end; n++) {
        size_t row = n * k;
        for (size_t m = 0; m < rows; m++) {
            const float *xm = x + m * x_stride;
            float partial[4] = {0, 0, 0, 0};
            size_t i = 0;
            for (; i + 4 <= k; i += 4) {
                for (int lane = 0; lane < 4; lane++) partial[lane] += xm[i + lane] * weight_at(w, w_dtype, row + i + lane);
            }
            for (; i < k; i++) partial[0] += xm[i] * weight_at(w, w_dtype, row + i);
            float sum = (partial[0] + partial[1]) + (partial[2] + partial[3]);
            y[m * y_stride + n] = sum + (bias ? bias[n] : 0.0f);
        }
    }
}

#if defined(__x86_64__)

// ---------------------------------------------------------------------------------------------------
// AVX-512
//
// Every output is computed in one fixed order, whichever of the two kernels below computes it: the
// 16-wide blocks of k alternate between two accumulators (two independent FMA chains, so one row
// streams at full bandwidth), the two are added, and the 16 lanes are summed by `reduce_four_512`'s
// tree. That makes a row's result independent of the rows batched with it.
//
// - rows_512 (at most ROW_KERNEL_MAX_ROWS rows of x): one weight row at a time against all rows of x,
//   so the weights are read as one sequential stream (measured 1.4x the bandwidth of four interleaved
//   rows for BF16 at one row of x).
// - tile_512 (more rows): tiles of 4 weight rows × 3 rows of x, 24 accumulators in registers; the
//   weight tile is reused from L1 for every group of x rows (above 250 GFLOP/s at 48 rows or more).

#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
#define AVX512_NR 4
#define AVX512_MR 3
#define ROW_KERNEL_MAX_ROWS 6

AVX512_TARGET static inline __m512 load_weights_512(const void *w, sk_dtype w_dtype, size_t index, __mmask16 mask) {
    if (w_dtype == SK_DTYPE_BF16) {
        __m256i half = mask == 0xffff ? _mm256_loadu_si256((const __m256i *)((const uint16_t *)w + index))
                                      : _mm256_maskz_loadu_epi16(mask, (const uint16_t *)w + index);
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(half), 16));
    }
    return mask == 0xffff ? _mm512_loadu_ps((const float *)w + index) : _mm512_maskz_loadu_ps(mask, (const float *)w + index);
}

AVX512_TARGET static inline __m512 load_x_512(const float *x, __mmask16 mask) {
    return mask == 0xffff ? _mm512_loadu_ps(x) : _mm512_maskz_loadu_ps(mask, x);
}

static inline __mmask16 block_mask(size_t k, size_t i) {
    return k - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (k - i)) - 1);
}

// The sums of four accumulators as one 4-float vector: pairwise adds within 128-bit lanes, then the
// four lanes added together; about a third of the instructions of four separate reductions. Each
// output only ever combines its own lanes, in the same order.
AVX512_TARGET static inline __m128 reduce_four_512(__m512 a0, __m512 a1, __m512 a2, __m512 a3) {
    __m512 s01 = _mm512_add_ps(_mm512_unpacklo_ps(a0, a1), _mm512_unpackhi_ps(a0, a1));
    __m512 s23 = _mm512_add_ps(_mm512_unpacklo_ps(a2, a3), _mm512_unpackhi_ps(a2, a3));
    __m512 s = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(s01), _mm512_castps_pd(s23))),
                             _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(s01), _mm512_castps_pd(s23))));
    __m256 half = _mm256_add_ps(_mm512_castps512_ps256(s), _mm512_extractf32x8_ps(s, 1));
    return _mm_add_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
}

// One weight row n against mr rows of x. Called with a constant mr so that the loops unroll and the
// 2·mr accumulators stay in registers.
AVX512_TARGET static inline __attribute__((always_inline)) void row_512(
    int mr, size_t k, const float *x, size_t x_stride, const void *w, sk_dtype w_dtype, const float *bias, float *y,
    size_t y_stride, size_t n) {
    __m512 acc[2][ROW_KERNEL_MAX_ROWS];
    for (int m = 0; m < mr; m++) acc[0][m] = acc[1][m] = _mm512_setzero_ps();
    // Blocks in pairs, so that the accumulator index is a constant and the array lives in registers.
#define ROW_STEP(PARITY, OFFSET, MASK)                                                                     \
    {                                                                                                    \
        __m512 wv = load_weights_512(w, w_dtype, n * k + (OFFSET), MASK);                                \
        for (int m = 0; m < mr; m++)                                                                     \
            acc[PARITY][m] = _mm512_fmadd_ps(load_x_512(x + m * x_stride + (OFFSET), MASK), wv, acc[PARITY][m]); \
    }
    size_t i = 0;
    for (; i + 32 <= k; i += 32) {
        ROW_STEP(0, i, (__mmask16)0xffff)
        ROW_STEP(1, i + 16, (__mmask16)0xffff)
    }
    if (i < k) ROW_STEP(0, i, block_mask(k, i))
    if (i + 16 < k) ROW_STEP(1, i + 16, block_mask(k, i + 16))
#undef ROW_STEP
    __m512 zero = _mm512_setzero_ps();
    float b = bias ? bias[n] : 0.0f;
    for (int m = 0; m < mr; m += 4) {
        __m512 s[4];
        for (int j = 0; j < 4; j++) s[j] = m + j < mr ? _mm512_add_ps(acc[0][m + j], acc[1][m + j]) : zero;
        float sums[4];
        _mm_storeu_ps(sums, reduce_four_512(s[0], s[1], s[2], s[3]));
        for (int j = 0; j < 4 && m + j < mr; j++) y[(m + j) * y_stride + n] = sums[j] + b;
    }
}

// One tile: nr weight rows (n0 ...) times mr rows of x, with constant nr and mr.
AVX512_TARGET static inline __attribute__((always_inline)) void tile_512(
    int nr, int mr, size_t k, const float *x, size_t x_stride, const void *w, sk_dtype w_dtype, const float *bias,
    float *y, size_t y_stride, size_t n0) {
    __m512 acc[2][AVX512_MR][AVX512_NR];
    for (int m = 0; m < mr; m++)
        for (int j = 0; j < AVX512_NR; j++) acc[0][m][j] = acc[1][m][j] = _mm512_setzero_ps();
#define TILE_STEP(PARITY, OFFSET, MASK)                                                                    \
    {                                                                                                    \
        __m512 wv[AVX512_NR];                                                                            \
        for (int j = 0; j < nr; j++) wv[j] = load_weights_512(w, w_dtype, (n0 + j) * k + (OFFSET), MASK); \
        for (int m = 0; m < mr; m++) {                                                                   \
            __m512 xv = load_x_512(x + m * x_stride + (OFFSET), MASK);                                  \
            for (int j = 0; j < nr; j++) acc[PARITY][m][j] = _mm512_fmadd_ps(xv, wv[j], acc[PARITY][m][j]); \
        }                                                                                                \
    }
    size_t i = 0;
    for (; i + 32 <= k; i += 32) {
        TILE_STEP(0, i, (__mmask16)0xffff)
        TILE_STEP(1, i + 16, (__mmask16)0xffff)
    }
    if (i < k) TILE_STEP(0, i, block_mask(k, i))
    if (i + 16 < k) TILE_STEP(1, i + 16, block_mask(k, i + 16))
#undef TILE_STEP
    for (int m = 0; m < mr; m++) {
        float sums[4];
        _mm_storeu_ps(sums, reduce_four_512(_mm512_add_ps(acc[0][m][0], acc[1][m][0]),
                                            _mm512_add_ps(acc[0][m][1], acc[1][m][1]),
                                            _mm512_add_ps(acc[0][m][2], acc[1][m][2]),
                                            _mm512_add_ps(acc[0][m][3], acc[1][m][3])));
        for (int j = 0; j < nr; j++) y[m * y_stride + n0 + j] = sums[j] + (bias ? bias[n0 + j] : 0.0f);
    }
}

#define ROW_512_CASE(MR) \
    case MR: for (size_t n = n_begin; n < n_end; n++) row_512(MR, k, x, x_stride, w, w_dtype, bias, y, y_stride, n); break;

#define TILE_512_CASE(NR, MR) \
    case MR: tile_512(NR, MR, k, xm, x_stride, w, w_dtype, bias, ym, y_stride, n); break;

#define TILE_512_ROWS(NR) \
    switch (mr) { TILE_512_CASE(NR, 1) TILE_512_CASE(NR, 2) TILE_512_CASE(NR, 3) }

AVX512_TARGET static void linear_avx512(size_t rows, size_t k, const float *x, size_t x_stride, const void *w,
                                        sk_dtype w_dtype, const float *bias, float *y, size_t y_stride,
                                        size_t n_begin, size_t n_end) {
    if (rows <= ROW_KERNEL_MAX_ROWS) {
        switch (rows) { ROW_512_CASE(1) ROW_512_CASE(2) ROW_512_CASE(3) ROW_512_CASE(4) ROW_512_CASE(5) ROW_512_CASE(6) }
        return;
    }
    // Rows of x in blocks that stay in the core's L2 cache while every weight tile of the range passes
    // over them; the weights are then read from memory once per block.
    size_t block_rows = L2_BUDGET_BYTES / (k * sizeof(float));
    block_rows = block_rows < AVX512_MR ? AVX512_MR : block_rows - block_rows % AVX512_MR;
    for (size_t b0 = 0; b0 < rows; b0 += block_rows) {
        size_t b1 = rows - b0 < block_rows ? rows : b0 + block_rows;
        for (size_t n = n_begin; n < n_end; n += AVX512_NR) {
            size_t nr = n_end - n < AVX512_NR ? n_end - n : AVX512_NR;
            for (size_t m0 = b0; m0 < b1; m0 += AVX512_MR) {
                size_t mr = b1 - m0 < AVX512_MR ? b1 - m0 : AVX512_MR;
                const float *xm = x + m0 * x_stride;
                float *ym = y + m0 * y_stride;
                switch (nr) {
                    case 4: TILE_512_ROWS(4) break;
                    case 3: TILE_512_ROWS(3) break;
                    case 2: TILE_512_ROWS(2) break;
                    default: TILE_512_ROWS(1) break;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// AVX2 + FMA (16 vector registers)
//
// Every output is one accumulator over the 8-wide blocks of k in order, its lanes summed by
// `reduce_256`'s tree, then the k % 8 leftover products added one by one, then the bias: the same
// operations whatever the tile shape, so results are batch-invariant.
//
// Each tile is four weight rows against up to three rows of x (12 accumulators in registers), or
// against each pair of them in turn (8) when there are more, the weight rows staying in L1. Which
// four weight rows go together depends on the number of rows of x (MANY_ROWS):
// - Few (decode, memory-bound): the output range is cut into four contiguous quarters and a tile
//   takes one row of each, so the weights arrive as four long sequential streams that the
//   prefetchers follow from row to row. Four neighbouring rows restart four short streams every
//   tile. On one Zen 3 core, BF16 weights, 896 inputs, 9728 outputs: 9-16 against 24-29 GB/s with
//   one row of x, 37-39 against 55-57 GFLOP/s with eight.
// - Many (prefill, compute-bound): four neighbouring rows, a stride known at compile time (the
//   quarters' stride, known only at run time, measured a sixth slower in F32), copied first into
//   one buffer as float32 (exactly, so results do not change), where every tile finds them at the
//   same address: BF16 rows are then widened once rather than for every pair of rows of x, and F32
//   rows read faster there than in place. 512 rows, 896 inputs: BF16 41-56 against 53-77 GFLOP/s,
//   F32 66-67 against 73-76.
// Other tile shapes (3 × 4, 2 × 6, 3 × 3), blocking the rows of x to stay in L2, and cutting k into
// chunks that stay in L1 (every pair's accumulators kept in memory between them, the same
// operations) measured no better.

#define AVX2_TARGET __attribute__((target("avx2,fma")))
#define AVX2_NR 4
#define AVX2_MR 2
#define FEW_ROWS 3
#define MANY_ROWS 32

AVX2_TARGET static inline __m256 load_weights_256(const void *w, sk_dtype w_dtype, size_t index) {
    if (w_dtype == SK_DTYPE_BF16) {
        __m128i half = _mm_loadu_si128((const __m128i *)((const uint16_t *)w + index));
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(half), 16));
    }
    return _mm256_loadu_ps((const float *)w + index);
}

AVX2_TARGET static inline float reduce_256(__m256 v) {
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    return _mm_cvtss_f32(sum);
}

// nr weight rows (w_row, w_row + w_step, ...), giving outputs n0, n0 + n_step, ..., times mr rows of
// x, with constant nr and mr so that the accumulators stay in registers.
AVX2_TARGET static inline __attribute__((always_inline)) void tile_256(
    int nr, int mr, size_t k, const float *x, size_t x_stride, const void *w, sk_dtype w_dtype, size_t w_row,
    size_t w_step, const float *bias, float *y, size_t y_stride, size_t n0, size_t n_step) {
    __m256 acc[FEW_ROWS][AVX2_NR];
    for (int m = 0; m < mr; m++)
        for (int j = 0; j < nr; j++) acc[m][j] = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= k; i += 8) {
        __m256 wv[AVX2_NR];
        for (int j = 0; j < nr; j++) wv[j] = load_weights_256(w, w_dtype, (w_row + j * w_step) * k + i);
        for (int m = 0; m < mr; m++) {
            __m256 xv = _mm256_loadu_ps(x + m * x_stride + i);
            for (int j = 0; j < nr; j++) acc[m][j] = _mm256_fmadd_ps(xv, wv[j], acc[m][j]);
        }
    }
    for (int m = 0; m < mr; m++) {
        for (int j = 0; j < nr; j++) {
            size_t n = n0 + j * n_step;
            float sum = reduce_256(acc[m][j]);
            for (size_t t = i; t < k; t++) sum += x[m * x_stride + t] * weight_at(w, w_dtype, (w_row + j * w_step) * k + t);
            y[m * y_stride + n] = sum + (bias ? bias[n] : 0.0f);
        }
    }
}

// Copied rows are read from `copied` (rows 0, 1, ...), others from the weights as stored.
#define TILE_256(NR, MR)                                                                               \
    if (copied)                                                                                        \
        tile_256(NR, MR, k, xm, x_stride, copied, SK_DTYPE_F32, 0, 1, bias, ym, y_stride, n, n_step); \
    else                                                                                               \
        tile_256(NR, MR, k, xm, x_stride, w, w_dtype, n, n_step, bias, ym, y_stride, n, n_step);

// Weight rows n, n + n_step, ... (nr of them) against every row of x, read from `copied` after
// copying them there as float32 when it is given.
AVX2_TARGET static inline __attribute__((always_inline)) void weight_rows_256(
    int nr, size_t rows, size_t k, const float *x, size_t x_stride, const void *w, sk_dtype w_dtype,
    const float *bias, float *y, size_t y_stride, size_t n, size_t n_step, float *copied) {
    if (copied) {
        for (int j = 0; j < nr; j++) {
            if (w_dtype == SK_DTYPE_BF16) sk_bf16_to_f32((const uint16_t *)w + (n + j * n_step) * k, copied + j * k, k);
            else memcpy(copied + j * k, (const float *)w + (n + j * n_step) * k, k * sizeof(float));
        }
    }
    size_t group = rows <= FEW_ROWS ? rows : AVX2_MR;
    for (size_t m0 = 0; m0 < rows; m0 += group) {
        const float *xm = x + m0 * x_stride;
        float *ym = y + m0 * y_stride;
        switch (rows - m0 < group ? rows - m0 : group) {
            case 3: TILE_256(nr, 3) break;
            case 2: TILE_256(nr, 2) break;
            default: TILE_256(nr, 1) break;
        }
    }
}

AVX2_TARGET static void linear_avx2(size_t rows, size_t k, const float *x, size_t x_stride, const void *w,
                                    sk_dtype w_dtype, const float *bias, float *y, size_t y_stride, size_t n_begin,
                                    size_t n_end) {
    int many = rows >= MANY_ROWS;
    float *copied = many ? malloc(AVX2_NR * k * sizeof(float)) : NULL;
    size_t tiles = (n_end - n_begin) / AVX2_NR;
    for (size_t t = 0; t < tiles; t++) {
        if (many)
            weight_rows_256(AVX2_NR, rows, k, x, x_stride, w, w_dtype, bias, y, y_stride, n_begin + t * AVX2_NR, 1,
                            copied);
        else
            weight_rows_256(AVX2_NR, rows, k, x, x_stride, w, w_dtype, bias, y, y_stride, n_begin + t, tiles,
                            copied);
    }
    for (size_t n = n_begin + AVX2_NR * tiles; n < n_end; n++)
        weight_rows_256(1, rows, k, x, x_stride, w, w_dtype, bias, y, y_stride, n, 1, copied);
    free(copied);
}

#endif  // __x86_64__

// ---------------------------------------------------------------------------------------------------
// Dispatch

static linear_kernel kernel_for(sk_isa isa) {
    switch (isa) {
#if defined(__x86_64__)
        case SK_ISA_AVX512: return linear_avx512;
        case SK_ISA_AVX2: return linear_avx2;
#endif
        default: return linear_portable;
    }
}

void sk_linear(size_t rows, size_t k, const float *x, size_t x_stride, const void *w, sk_dtype w_dtype,
               const float *bias, float *y, size_t y_stride, size_t n_begin, size_t n_end) {
    kernel_for(sk_best_isa())(rows, k, x, x_stride, w, w_dtype, bias, y, y_stride, n_begin, n_end);
}

int sk_linear_with_isa(sk_isa isa, size_t rows, size_t k, const float *x, size_t x_stride, const void *w,
                       sk_dtype w_dtype, const float *bias, float *y, size_t y_stride, size_t n_begin,
                       size_t n_end) {
    if (!sk_isa_supported(isa)) return 0;
    kernel_for(isa)(rows, k, x, x_stride, w, w_dtype, bias, y, y_stride, n_begin, n_end);
    return 1;
}

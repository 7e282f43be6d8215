// y = x · Wᵀ + b over weights repacked once, at load, into panels of SK_PANEL_WIDTH outputs: the
// matrix kernels of CPUs whose widest vectors are AVX2.
//
// Why: with 16 vector registers, linear.c's dot-product tiles hold at most 12 accumulators and end
// every output with a reduction across lanes; one Zen 3 core reached 53-77 GFLOP/s at prefill sizes
// against sgemm's 85-91. Repacked so that a panel's 16 outputs sit side by side for each input, one
// broadcast of x[i] feeds two FMAs per panel and nothing is reduced (the outer-product form of BLAS
// micro-kernels). One Zen 3 core, best of 15, against linear.c's AVX2 tiles and cblas_sgemm:
//     512 rows × 896 × 9728, BF16: 68 → 91 GFLOP/s (sgemm 88); × 4864 × 896: 59 → 95 (sgemm 90)
//     16 rows × 896 × 9728, BF16: 56-58 → 84-88; F32: 57 → 68-72 (sgemm 35-38)
//     1 row × 896 × 9728: the same bandwidth within the noise (F32 34-35 GB/s, BF16 30-34)
//
// Layout: panel p holds outputs 16p ..< 16p + 16 (zeros past the last row), input-major,
//     panels[(p · k + i) · 16 + j] = w[(16p + j) · k + i],
// in the weights' own type (BF16 stays BF16, so decode reads half the bytes).
//
// Every output is one FMA chain over i = 0 ..< k in order, starting from zero, then plus its bias,
// in every kernel below and in the portable one (fmaf is the same correctly rounded operation): a
// row's results are bitwise the same whatever rows are batched with it, however the outputs are
// split between threads, and on every instruction set.

#include "ckernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define PANEL SK_PANEL_WIDTH

typedef void (*panels_kernel)(size_t rows, size_t k, const float *x, size_t x_stride, const void *panels,
                              sk_dtype dtype, const float *bias, float *y, size_t y_stride, size_t n_begin,
                              size_t n_end);

static inline float panel_weight(const void *panels, sk_dtype dtype, size_t index) {
    if (dtype == SK_DTYPE_BF16) {
        uint32_t bits = (uint32_t)((const uint16_t *)panels)[index] << 16;
        float value;
        memcpy(&value, &bits, sizeof value);
        return value;
    }
    return ((const float *)panels)[index];
}

size_t sk_panels_element_count(size_t n, size_t k) { return (n + PANEL - 1) / PANEL * PANEL * k; }

// Input-major within a panel: each pass writes sequentially while reading 16 rows side by side.
#define PACK_PANELS(T)                                                                              \
    for (size_t p = 0; p < (n + PANEL - 1) / PANEL; p++) {                                          \
        T *panel = (T *)panels + p * k * PANEL;                                                     \
        const T *rows = (const T *)w + p * PANEL * k;                                               \
        size_t height = n - p * PANEL < PANEL ? n - p * PANEL : PANEL;                              \
        for (size_t i = 0; i < k; i++)                                                              \
            for (size_t j = 0; j < PANEL; j++) panel[i * PANEL + j] = j < height ? rows[j * k + i] : 0; \
    }

void sk_pack_panels(const void *w, sk_dtype dtype, size_t n, size_t k, void *panels) {
    if (dtype == SK_DTYPE_BF16) {
        PACK_PANELS(uint16_t)
    } else {
        PACK_PANELS(float)
    }
}

void sk_panels_row_to_f32(const void *panels, sk_dtype dtype, size_t k, size_t row, float *output) {
    size_t base = row / PANEL * k * PANEL + row % PANEL;
    for (size_t i = 0; i < k; i++) output[i] = panel_weight(panels, dtype, base + i * PANEL);
}

// ---------------------------------------------------------------------------------------------------
// Portable: the definition, 16 chains side by side (which compilers vectorise where FMA is native).

static void linear_panels_portable(size_t rows, size_t k, const float *x, size_t x_stride, const void *panels,
                                   sk_dtype dtype, const float *bias, float *y, size_t y_stride, size_t n_begin,
                                   size_t n_end) {
    for (size_t m = 0; m < rows; m++) {
        for (size_t n0 = n_begin; n0 < n_end; n0 += PANEL) {
            size_t base = n0 / PANEL * k * PANEL;
            float acc[PANEL] = {0};
            for (size_t i = 0; i < k; i++) {
                float xi = x[m * x_stride + i];
                for (size_t j = 0; j < PANEL; j++) acc[j] = fmaf(xi, panel_weight(panels, dtype, base + i * PANEL + j), acc[j]);
            }
            size_t width = n_end - n0 < PANEL ? n_end - n0 : PANEL;
            for (size_t j = 0; j < width; j++) y[m * y_stride + n0 + j] = acc[j] + (bias ? bias[n0 + j] : 0.0f);
        }
    }
}

#if defined(__x86_64__)

// ---------------------------------------------------------------------------------------------------
// AVX2 + FMA
//
// A block is mr rows of x against np neighbouring panels: 2 · np · mr accumulators (at most 12 of the
// 16 registers), loaded weights and one broadcast. Shapes by number of rows of x:
// - up to 3 (decode, memory-bound): all of them against 4 (one row) or 2 panels at once, enough
//   independent chains to keep the FMA units busy while the weights stream in;
// - 4 to 95: one panel at a time against groups of 6 rows, the panel reused from cache while the
//   groups fetch the next one ahead (one core, against no prefetch: 1.06-1.28x from 4 to 16 rows);
// - 96 and more (prefill): the same, BF16 panels first widened into one float32 buffer so that each
//   is widened once rather than once per group (below that, widening measured slower than reading
//   BF16 directly: 48 rows × 896 × 9728, 83 against 92 GFLOP/s).

#define AVX2_TARGET __attribute__((target("avx2,fma")))
#define GROUP_ROWS 6
#define MANY_ROWS 96

AVX2_TARGET static inline __attribute__((always_inline)) void load_panel_row(
    const void *panel, const int bf16, size_t i, __m256 *low, __m256 *high) {
    if (bf16) {
        __m256i halves = _mm256_loadu_si256((const __m256i *)((const uint16_t *)panel + i * PANEL));
        *low = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm256_castsi256_si128(halves)), 16));
        *high = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm256_extracti128_si256(halves, 1)), 16));
    } else {
        *low = _mm256_loadu_ps((const float *)panel + i * PANEL);
        *high = _mm256_loadu_ps((const float *)panel + i * PANEL + 8);
    }
}

// Lanes below `width` set, for masked loads and stores of a partial last panel.
AVX2_TARGET static inline __m256i lanes_below(long width) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)width), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Which cache lines of the next panel a block fetches ahead: every `stride`-th from `first`, line l
// at input l · `inputs_per_line` (a panel's inputs take 64 bytes in float32, 32 in BF16), so that a
// group fetching every line takes it at the pace it reads the current panel; none without `next`.
typedef struct {
    const char *next;
    size_t first, stride, inputs_per_line;
} panel_prefetch;

// mr rows of x against np panels starting at `panel` (outputs n0 ...); the last panel has `width`
// valid outputs. np, mr, bf16 and prefetching (whether to follow `ahead`) are constants at every
// call, so the loops unroll and the accumulators stay in registers.
AVX2_TARGET static inline __attribute__((always_inline)) void block_256(
    int np, int mr, const int bf16, const int prefetching, size_t k, const float *x, size_t x_stride,
    const void *panel, const float *bias, float *y, size_t y_stride, size_t n0, size_t width, panel_prefetch ahead) {
    size_t panel_elements = k * PANEL;
    size_t size = bf16 ? 2 : 4;
    __m256 acc[GROUP_ROWS][4][2];
    for (int m = 0; m < mr; m++)
        for (int q = 0; q < np; q++) acc[m][q][0] = acc[m][q][1] = _mm256_setzero_ps();
    size_t due = prefetching && ahead.next ? ahead.first * ahead.inputs_per_line : k;
    for (size_t i = 0; i < k; i++) {
        if (prefetching && i == due) {
            _mm_prefetch(ahead.next + i / ahead.inputs_per_line * 64, _MM_HINT_T0);
            due += ahead.stride * ahead.inputs_per_line;
        }
        __m256 w[4][2];
        for (int q = 0; q < np; q++)
            load_panel_row((const char *)panel + q * panel_elements * size, bf16, i, &w[q][0], &w[q][1]);
        for (int m = 0; m < mr; m++) {
            __m256 xi = _mm256_broadcast_ss(x + m * x_stride + i);
            for (int q = 0; q < np; q++) {
                acc[m][q][0] = _mm256_fmadd_ps(xi, w[q][0], acc[m][q][0]);
                acc[m][q][1] = _mm256_fmadd_ps(xi, w[q][1], acc[m][q][1]);
            }
        }
    }
    for (int q = 0; q < np; q++) {
        size_t n = n0 + q * PANEL;
        long valid = q == np - 1 ? (long)width : PANEL;
        __m256i mask_low = lanes_below(valid), mask_high = lanes_below(valid - 8);
        __m256 bias_low = _mm256_setzero_ps(), bias_high = _mm256_setzero_ps();
        if (bias && valid == PANEL) {
            bias_low = _mm256_loadu_ps(bias + n);
            bias_high = _mm256_loadu_ps(bias + n + 8);
        } else if (bias) {
            bias_low = _mm256_maskload_ps(bias + n, mask_low);
            bias_high = _mm256_maskload_ps(bias + n + 8, mask_high);
        }
        for (int m = 0; m < mr; m++) {
            float *out = y + m * y_stride + n;
            __m256 low = _mm256_add_ps(acc[m][q][0], bias_low), high = _mm256_add_ps(acc[m][q][1], bias_high);
            if (valid == PANEL) {
                _mm256_storeu_ps(out, low);
                _mm256_storeu_ps(out + 8, high);
            } else {
                _mm256_maskstore_ps(out, mask_low, low);
                _mm256_maskstore_ps(out + 8, mask_high, high);
            }
        }
    }
}

#define BLOCK_256(NP, MR) \
    block_256(NP, MR, bf16, prefetching, k, xm, x_stride, panel, bias, ym, y_stride, n, width, ahead)

// One panel against a group of up to GROUP_ROWS rows; np panels against up to three rows.
#define GROUP_CASES                                                                                 \
    switch (mr) {                                                                                   \
        case 6: BLOCK_256(1, 6); break;                                                             \
        case 5: BLOCK_256(1, 5); break;                                                             \
        case 4: BLOCK_256(1, 4); break;                                                             \
        case 3: BLOCK_256(1, 3); break;                                                             \
        case 2: BLOCK_256(1, 2); break;                                                             \
        default: BLOCK_256(1, 1); break;                                                            \
    }

#define FEW_ROWS_CASES(NP)                                                                          \
    switch (mr) {                                                                                   \
        case 3: BLOCK_256(NP, 3); break;                                                            \
        case 2: BLOCK_256(NP, 2); break;                                                            \
        default: BLOCK_256(NP, 1); break;                                                           \
    }

// Every row of x, in groups of GROUP_ROWS, against the one panel at `panel` (outputs n ...). The
// first group alone would read the panel from memory and the others from cache, leaving the memory
// idle meanwhile; instead each group fetches its share of `next` (whose inputs take
// `next_input_bytes`), every group-th cache line, so that the memory streams the whole time. From
// MANY_ROWS rows on the groups compute long enough for the hardware to fetch the next panel alone
// (prefetching measured 0.85-1.05x there), so they do not prefetch.
AVX2_TARGET static inline __attribute__((always_inline)) void groups_256(
    const int bf16, const int prefetching, size_t rows, size_t k, const float *x, size_t x_stride,
    const void *panel, const float *bias, float *y, size_t y_stride, size_t n, size_t width, const char *next,
    size_t next_input_bytes) {
    size_t groups = (rows + GROUP_ROWS - 1) / GROUP_ROWS;
    for (size_t m0 = 0; m0 < rows; m0 += GROUP_ROWS) {
        const float *xm = x + m0 * x_stride;
        float *ym = y + m0 * y_stride;
        int mr = rows - m0 < GROUP_ROWS ? (int)(rows - m0) : GROUP_ROWS;
        panel_prefetch ahead = {next, m0 / GROUP_ROWS, groups, prefetching ? 64 / next_input_bytes : 1};
        GROUP_CASES
    }
}

// Outputs n_begin ..< n_end (n_begin a multiple of PANEL) in the weights' type `bf16`.
AVX2_TARGET static inline __attribute__((always_inline)) void linear_panels_256_typed(
    const int bf16, size_t rows, size_t k, const float *x, size_t x_stride, const void *panels, const float *bias,
    float *y, size_t y_stride, size_t n_begin, size_t n_end) {
    size_t size = bf16 ? 2 : 4;
    if (rows <= 3) {
        // 3 BF16 panels × 2 rows would need 19 registers: the spills cost three quarters of the speed.
        int together = rows == 1 ? 4 : 2;
        for (size_t n = n_begin; n < n_end;) {
            size_t left = (n_end - n + PANEL - 1) / PANEL;
            int np = left < (size_t)together ? (int)left : together;
            size_t last = n + (size_t)(np - 1) * PANEL;
            size_t width = n_end - last < PANEL ? n_end - last : PANEL;
            const void *panel = (const char *)panels + n / PANEL * k * PANEL * size;
            const float *xm = x;
            float *ym = y;
            int mr = (int)rows;
            const int prefetching = 0;
            panel_prefetch ahead = {NULL, 0, 1, 1};
            switch (np) {
                case 4: BLOCK_256(4, 1); break;
                case 3: BLOCK_256(3, 1); break;
                case 2: FEW_ROWS_CASES(2) break;
                default: FEW_ROWS_CASES(1) break;
            }
            n += (size_t)np * PANEL;
        }
        return;
    }
    float *widened = bf16 && rows >= MANY_ROWS ? malloc(k * PANEL * sizeof(float)) : NULL;
    for (size_t n = n_begin; n < n_end; n += PANEL) {
        size_t width = n_end - n < PANEL ? n_end - n : PANEL;
        const void *panel = (const char *)panels + n / PANEL * k * PANEL * size;
        if (widened) {
            sk_bf16_to_f32(panel, widened, k * PANEL);
            groups_256(0, 0, rows, k, x, x_stride, widened, bias, y, y_stride, n, width, NULL, 0);
        } else if (rows >= MANY_ROWS) {
            groups_256(bf16, 0, rows, k, x, x_stride, panel, bias, y, y_stride, n, width, NULL, 0);
        } else {
            const char *next = n + PANEL < n_end ? (const char *)panel + k * PANEL * size : NULL;
            groups_256(bf16, 1, rows, k, x, x_stride, panel, bias, y, y_stride, n, width, next, PANEL * size);
        }
    }
    free(widened);
}

AVX2_TARGET static void linear_panels_avx2(size_t rows, size_t k, const float *x, size_t x_stride, const void *panels,
                                           sk_dtype dtype, const float *bias, float *y, size_t y_stride,
                                           size_t n_begin, size_t n_end) {
    if (dtype == SK_DTYPE_BF16)
        linear_panels_256_typed(1, rows, k, x, x_stride, panels, bias, y, y_stride, n_begin, n_end);
    else
        linear_panels_256_typed(0, rows, k, x, x_stride, panels, bias, y, y_stride, n_begin, n_end);
}

#endif  // __x86_64__

// ---------------------------------------------------------------------------------------------------
// Dispatch: AVX-512 CPUs run the AVX2 kernels here (their own are linear.c's, on unpacked weights).

static panels_kernel panels_kernel_for(sk_isa isa) {
#if defined(__x86_64__)
    if (isa >= SK_ISA_AVX2) return linear_panels_avx2;
#endif
    (void)isa;
    return linear_panels_portable;
}

int sk_panels_preferred(void) { return sk_best_isa() != SK_ISA_AVX512; }

void sk_linear_panels(size_t rows, size_t k, const float *x, size_t x_stride, const void *panels, sk_dtype dtype,
                      const float *bias, float *y, size_t y_stride, size_t n_begin, size_t n_end) {
    panels_kernel_for(sk_best_isa())(rows, k, x, x_stride, panels, dtype, bias, y, y_stride, n_begin, n_end);
}

int sk_linear_panels_with_isa(sk_isa isa, size_t rows, size_t k, const float *x, size_t x_stride, const void *panels,
                              sk_dtype dtype, const float *bias, float *y, size_t y_stride, size_t n_begin,
                              size_t n_end) {
    if (!sk_isa_supported(isa)) return 0;
    panels_kernel_for(isa)(rows, k, x, x_stride, panels, dtype, bias, y, y_stride, n_begin, n_end);
    return 1;
}

// expf with glibc's bits, in plain C and on vectors of 8 (AVX-512) and 4 or 8 (AVX2 + FMA) lanes:
// the algorithm of glibc's expf (since 2.28, from Arm's optimized-routines), in double. x · 32/ln 2
// = k + r with k an integer and |r| ≤ 1/2, e^x = 2^(k/32) · 2^(r/32), the first a table entry for k
// mod 32 with ⌊k/32⌋ added to its exponent, the second a cubic in r; one rounding to float at the
// end, at most 0.502 ulp from e^x. Shared by the sampler's passes (sampling.c, which says how the
// bits were checked) and SwiGLU (swiglu.c), so that vectorised they compute what a scalar expf
// loop computes. Private to CKernels.

#ifndef SPARK_EXP_BITS_H
#define SPARK_EXP_BITS_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Products and sums round exactly as written; fused multiply-adds are spelled out (fma, _fmadd_)
// where intended.
#pragma STDC FP_CONTRACT OFF

// Arguments are clamped to [-104, 89], which keeps the shift trick below in range; the computation
// rounds to 0 from log(2^-150) ≈ -103.97 down and to +inf from log(2^128) ≈ 88.72 up, as expf does.
#define EXP_MIN_ARGUMENT -104.0f
#define EXP_MAX_ARGUMENT 89.0f
#define EXP_32_OVER_LN2 0x1.71547652b82fep+5
#define EXP_SHIFT 0x1.8p+52  // z + EXP_SHIFT rounds z to an integer, which the low bits then hold
#define EXP_C0 0x1.c6af84b912394p-20  // 2^(r/32) ≈ ((C0 r + C1) r² + (C2 r + 1)), |r| ≤ 1/2
#define EXP_C1 0x1.ebfce50fac4f3p-13
#define EXP_C2 0x1.62e42ff0c52d6p-6

// Bits of 2^(i/32) minus i · 2^52/32, so that adding k << 47 for k ≡ i (mod 32) gives 2^(k/32).
static const uint64_t exp_table[32] = {
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51, 0x3fef72b83c7d517b,
    0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1, 0x3fef06fe0a31b715, 0x3feef1a7373aa9cb,
    0x3feedea64c123422, 0x3feece086061892d, 0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429,
    0x3feea47eb03a5585, 0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d, 0x3feee89f995ad3ad,
    0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069, 0x3fef5818dcfba487, 0x3fef7c97337b9b5f,
    0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
};

static inline uint64_t bits_of(double value) {
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static inline double from_bits(uint64_t bits) {
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static inline float exp_portable(float x) {
    // NaN passes both tests and stays NaN below.
    if (x < EXP_MIN_ARGUMENT) x = EXP_MIN_ARGUMENT;
    if (x > EXP_MAX_ARGUMENT) x = EXP_MAX_ARGUMENT;
    double kd = fma(EXP_32_OVER_LN2, (double)x, EXP_SHIFT);
    uint64_t ki = bits_of(kd);
    kd -= EXP_SHIFT;
    double r = fma(EXP_32_OVER_LN2, (double)x, -kd);
    double scale = from_bits(exp_table[ki % 32] + (ki << 47));
    double y = fma(fma(EXP_C0, r, EXP_C1), r * r, fma(EXP_C2, r, 1.0));
    return (float)(y * scale);
}

#if defined(__x86_64__)

#define EXP_AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
#define EXP_AVX2_TARGET __attribute__((target("avx2,fma")))

// exp_portable on 8 lanes, in double.
EXP_AVX512_TARGET static inline __m256 exp_8_512(__m256 x) {
    // max(bound, x) and min(bound, x) return x when it is NaN, so NaN stays NaN.
    x = _mm256_min_ps(_mm256_set1_ps(EXP_MAX_ARGUMENT), _mm256_max_ps(_mm256_set1_ps(EXP_MIN_ARGUMENT), x));
    __m512d x_d = _mm512_cvtps_pd(x);
    __m512d kd = _mm512_fmadd_pd(_mm512_set1_pd(EXP_32_OVER_LN2), x_d, _mm512_set1_pd(EXP_SHIFT));
    __m512i ki = _mm512_castpd_si512(kd);
    kd = _mm512_sub_pd(kd, _mm512_set1_pd(EXP_SHIFT));
    __m512d r = _mm512_fmsub_pd(_mm512_set1_pd(EXP_32_OVER_LN2), x_d, kd);
    // The table entry: one two-register permute each for entries 0-15 and 16-31 (index bits 0-3),
    // chosen between by bit 4.
    const __m512i *table = (const __m512i *)exp_table;
    __m512i low = _mm512_permutex2var_epi64(_mm512_loadu_si512(table), ki, _mm512_loadu_si512(table + 1));
    __m512i high = _mm512_permutex2var_epi64(_mm512_loadu_si512(table + 2), ki, _mm512_loadu_si512(table + 3));
    __m512i entry = _mm512_mask_blend_epi64(_mm512_test_epi64_mask(ki, _mm512_set1_epi64(16)), low, high);
    __m512d scale = _mm512_castsi512_pd(_mm512_add_epi64(entry, _mm512_slli_epi64(ki, 47)));
    __m512d y = _mm512_fmadd_pd(_mm512_fmadd_pd(_mm512_set1_pd(EXP_C0), r, _mm512_set1_pd(EXP_C1)),
                                _mm512_mul_pd(r, r),
                                _mm512_fmadd_pd(_mm512_set1_pd(EXP_C2), r, _mm512_set1_pd(1.0)));
    return _mm512_cvtpd_ps(_mm512_mul_pd(y, scale));
}

// exp_portable on 4 lanes, in double.
EXP_AVX2_TARGET static inline __m128 exp_4_256(__m128 x) {
    x = _mm_min_ps(_mm_set1_ps(EXP_MAX_ARGUMENT), _mm_max_ps(_mm_set1_ps(EXP_MIN_ARGUMENT), x));
    __m256d x_d = _mm256_cvtps_pd(x);
    __m256d kd = _mm256_fmadd_pd(_mm256_set1_pd(EXP_32_OVER_LN2), x_d, _mm256_set1_pd(EXP_SHIFT));
    __m256i ki = _mm256_castpd_si256(kd);
    kd = _mm256_sub_pd(kd, _mm256_set1_pd(EXP_SHIFT));
    __m256d r = _mm256_fmsub_pd(_mm256_set1_pd(EXP_32_OVER_LN2), x_d, kd);
    __m256i entry = _mm256_i64gather_epi64((const long long *)exp_table,
                                           _mm256_and_si256(ki, _mm256_set1_epi64x(31)), 8);
    __m256d scale = _mm256_castsi256_pd(_mm256_add_epi64(entry, _mm256_slli_epi64(ki, 47)));
    __m256d y = _mm256_fmadd_pd(_mm256_fmadd_pd(_mm256_set1_pd(EXP_C0), r, _mm256_set1_pd(EXP_C1)),
                                _mm256_mul_pd(r, r),
                                _mm256_fmadd_pd(_mm256_set1_pd(EXP_C2), r, _mm256_set1_pd(1.0)));
    return _mm256_cvtpd_ps(_mm256_mul_pd(y, scale));
}

EXP_AVX2_TARGET static inline __m256 exp_256(__m256 x) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(exp_4_256(_mm256_castps256_ps128(x))),
                                exp_4_256(_mm256_extractf128_ps(x, 1)), 1);
}

#endif  // __x86_64__

#endif  // SPARK_EXP_BITS_H

// Hot loops of the engine, in C so that they can use AVX-512 / AVX2 intrinsics chosen at run time
// while the rest of the binary stays portable. Every function here has a plain reference twin in
// the tests (KernelsTests) and is checked against it on odd shapes.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Element type of a weight matrix as the kernels read it.
typedef enum { SK_DTYPE_F32 = 0, SK_DTYPE_BF16 = 1 } sk_dtype;

/// Vector instruction sets the kernels have variants for, from least to most capable.
typedef enum { SK_ISA_PORTABLE = 0, SK_ISA_AVX2 = 1, SK_ISA_AVX512 = 2 } sk_isa;

/// The set the kernels use: the best this CPU supports, lowered by SPARK_ISA if set.
sk_isa sk_best_isa(void);
int sk_isa_supported(sk_isa isa);
const char *sk_isa_name(sk_isa isa);

/// y[m, n] = bias[n] + Σ_k x[m, k] · w[n, k] for m < rows and n_begin ≤ n < n_end.
/// x: rows × k floats, row stride x_stride; w: weight matrix of k columns (HF [out, in] layout) in
/// w_dtype; bias: nil or one float per output; y: row stride y_stride. Distinct threads may run
/// disjoint n ranges at once.
void sk_linear(size_t rows, size_t k, const float *x, size_t x_stride, const void *w, sk_dtype w_dtype,
               const float *bias, float *y, size_t y_stride, size_t n_begin, size_t n_end);

/// The same with a chosen instruction set (tests compare every variant); returns 0, doing nothing,
/// if the CPU lacks it.
int sk_linear_with_isa(sk_isa isa, size_t rows, size_t k, const float *x, size_t x_stride, const void *w,
                       sk_dtype w_dtype, const float *bias, float *y, size_t y_stride, size_t n_begin,
                       size_t n_end);

/// Weights repacked for `sk_linear_panels`: panel p holds outputs SK_PANEL_WIDTH·p onward, input-major,
///     panels[(p · k + i) · SK_PANEL_WIDTH + j] = w[(SK_PANEL_WIDTH·p + j) · k + i],
/// zero past row n, in the weights' own type.
#define SK_PANEL_WIDTH 16

/// Elements `sk_pack_panels` writes for n rows of k: n rounded up to whole panels, times k.
size_t sk_panels_element_count(size_t n, size_t k);
void sk_pack_panels(const void *w, sk_dtype dtype, size_t n, size_t k, void *panels);
/// Row `row` of packed weights, widened to float32 into `output` (k floats).
void sk_panels_row_to_f32(const void *panels, sk_dtype dtype, size_t k, size_t row, float *output);

/// Whether this CPU's fastest kernels read packed panels (`sk_linear_panels`) rather than rows
/// (`sk_linear`).
int sk_panels_preferred(void);

/// `sk_linear` over packed weights: n_begin must be a multiple of SK_PANEL_WIDTH; only outputs
/// n_begin ..< n_end are written.
void sk_linear_panels(size_t rows, size_t k, const float *x, size_t x_stride, const void *panels, sk_dtype dtype,
                      const float *bias, float *y, size_t y_stride, size_t n_begin, size_t n_end);

/// The same with a chosen instruction set; returns 0, doing nothing, if the CPU lacks it.
int sk_linear_panels_with_isa(sk_isa isa, size_t rows, size_t k, const float *x, size_t x_stride, const void *panels,
                              sk_dtype dtype, const float *bias, float *y, size_t y_stride, size_t n_begin,
                              size_t n_end);

/// Causal attention for one token: the `group_size` query heads in `queries` ([group_size][head_dim])
/// that share one key/value head attend to positions 0 ..< context_length (at least 1) of their
/// sequence. Position p is slot p % block_size of block b = block_table[p / block_size]; per block and
/// head, keys are stored transposed and values not:
///     key[p][d]   = keys[b * block_stride + d * block_size + p % block_size]
///     value[p][d] = values[b * block_stride + (p % block_size) * head_dim + d]
/// `scores` is scratch of group_size × context_length floats; `output` receives [group_size][head_dim].
/// Any block size works; 16 is the fast path.
void sk_attention(const float *queries, size_t group_size, size_t head_dim, const float *keys, const float *values,
                  const int32_t *block_table, size_t block_size, size_t block_stride, size_t context_length,
                  float scale, float *scores, float *output);

/// The same with a chosen instruction set (tests compare every variant); returns 0, doing nothing,
/// if the CPU lacks it.
int sk_attention_with_isa(sk_isa isa, const float *queries, size_t group_size, size_t head_dim, const float *keys,
                          const float *values, const int32_t *block_table, size_t block_size, size_t block_stride,
                          size_t context_length, float scale, float *scores, float *output);

/// output = weight · x / sqrt(mean(x²) + epsilon), over one row of `width` floats.
void sk_rms_norm(const float *x, const float *weight, float epsilon, size_t width, float *output);

/// Rotates `head_count` heads of `head_dim` floats in place by the rotate-half convention, with the
/// cos and sin of the token's position for each of the head_dim / 2 frequencies.
void sk_rope(float *heads, size_t head_count, size_t head_dim, const float *cos_table, const float *sin_table);

/// output[i] = SiLU(gate[i]) · up[i] = (gate[i] / (1 + expf(-gate[i]))) · up[i], with expf's bits;
/// output may be gate.
void sk_silu_mul(const float *gate, const float *up, size_t count, float *output);

/// The gradients of sk_silu_mul's output with respect to gate and up, given the output's; with
/// σ = 1 / (1 + expf(-gate)): gate_gradient = d · up · σ · (1 + gate · (1 − σ)), up_gradient =
/// d · (gate · σ), rounded as written.
void sk_silu_mul_backward(const float *gate, const float *up, const float *output_gradient, size_t count,
                          float *gate_gradient, float *up_gradient);

/// The same with a chosen instruction set, which the CPU must support; every variant gives the same bits.
void sk_silu_mul_with_isa(sk_isa isa, const float *gate, const float *up, size_t count, float *output);
void sk_silu_mul_backward_with_isa(sk_isa isa, const float *gate, const float *up, const float *output_gradient,
                                   size_t count, float *gate_gradient, float *up_gradient);

/// accumulator[i] += addend[i].
void sk_add(float *accumulator, const float *addend, size_t count);

/// Σ values[i], streaming (for bandwidth measurements).
float sk_sum(const float *values, size_t count);

/// Widens `count` bfloat16 values (the high 16 bits of an IEEE float32) to float32.
void sk_bf16_to_f32(const uint16_t *source, float *destination, size_t count);

/// Widens `count` IEEE half-precision values to float32 (exact; subnormals and infinities kept).
void sk_f16_to_f32(const uint16_t *source, float *destination, size_t count);

/// Rounds `count` float32 values to bfloat16, to nearest even (NaN stays NaN).
void sk_f32_to_bf16(const float *source, uint16_t *destination, size_t count);

/// Sampler passes over one row of logits (sampling.c). NaN values are never the maximum and never
/// selected; every variant returns the same values.

/// The largest of `count` values; -inf if there is none.
float sk_max(const float *values, size_t count);

/// The first index of the largest value, as torch.argmax; 0 if every value is NaN.
size_t sk_argmax(const float *values, size_t count);

/// Σ exp(values[i] · scale − shift), with `values[i] * scale - shift` rounded as written and exp
/// giving glibc's expf bits, summed in double in a fixed order (blocks of 256, each in 16 lanes).
double sk_exp_sum(const float *values, size_t count, float scale, float shift);

/// Where a draw falls among the weights exp(values[i] · scale − shift) of `sk_exp_sum`: the first
/// index at which `threshold` minus the weights so far (a block's sum at a time while that stays
/// ≥ 0, then one weight at a time, in double) drops below 0; `count` if it never does.
size_t sk_exp_walk(const float *values, size_t count, float scale, float shift, double threshold);

/// Writes the indices of the values ≥ threshold to `indices`, ascending, at most `capacity` of them;
/// returns how many there are in all (call again with more room if that exceeds `capacity`).
size_t sk_select_at_least(const float *values, size_t count, float threshold, int32_t *indices, size_t capacity);

/// The same with a chosen instruction set, which the CPU must support (sk_isa_supported): the tests
/// hold every variant to the definitions above.
float sk_max_with_isa(sk_isa isa, const float *values, size_t count);
size_t sk_argmax_with_isa(sk_isa isa, const float *values, size_t count);
double sk_exp_sum_with_isa(sk_isa isa, const float *values, size_t count, float scale, float shift);
size_t sk_exp_walk_with_isa(sk_isa isa, const float *values, size_t count, float scale, float shift,
                            double threshold);
size_t sk_select_at_least_with_isa(sk_isa isa, const float *values, size_t count, float threshold, int32_t *indices,
                                   size_t capacity);

/// y[i] = exp(x[i]), the exponential the passes above use; for its accuracy tests.
void sk_exp_with_isa(sk_isa isa, const float *x, float *y, size_t count);

/// values[i] = exp(values[i] − max) / Σ exp(values[j] − max) in place, with the exponential above (expf's
/// bits) and the sum in double, in the fixed order of `sk_exp_sum`.
void sk_softmax(float *values, size_t count);
void sk_softmax_with_isa(sk_isa isa, float *values, size_t count);

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

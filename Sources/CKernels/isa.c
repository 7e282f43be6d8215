// Which vector instruction set the kernels use: the best the CPU supports, or a lower one forced with
// SPARK_ISA=portable|avx2|avx512 (to compare variants, or to rule one out when chasing a bug).
#include "ckernels.h"

#include <stdlib.h>
#include <string.h>

int sk_isa_supported(sk_isa isa) {
    switch (isa) {
        case SK_ISA_PORTABLE: return 1;
#if defined(__x86_64__)
        case SK_ISA_AVX2:
            __builtin_cpu_init();
            return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        case SK_ISA_AVX512:
            __builtin_cpu_init();
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#endif
        default: return 0;
    }
}

static sk_isa detect(void) {
    sk_isa best = SK_ISA_PORTABLE;
    if (sk_isa_supported(SK_ISA_AVX2)) best = SK_ISA_AVX2;
    if (sk_isa_supported(SK_ISA_AVX512)) best = SK_ISA_AVX512;
    const char *forced = getenv("SPARK_ISA");
    if (forced) {
        sk_isa wanted = strcmp(forced, "avx512") == 0 ? SK_ISA_AVX512
                        : strcmp(forced, "avx2") == 0 ? SK_ISA_AVX2
                                                      : SK_ISA_PORTABLE;
        if (wanted < best) best = wanted;
    }
    return best;
}

sk_isa sk_best_isa(void) {
    // Racing first calls compute the same value, so a relaxed atomic cache is enough.
    static int cached = -1;
    int value = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (value < 0) {
        value = (int)detect();
        __atomic_store_n(&cached, value, __ATOMIC_RELAXED);
    }
    return (sk_isa)value;
}

const char *sk_isa_name(sk_isa isa) {
    switch (isa) {
        case SK_ISA_AVX512: return "avx512";
        case SK_ISA_AVX2: return "avx2";
        default: return "portable";
    }
}

// Element-type conversions between float32 and the 16-bit weight formats of safetensors checkpoints.
#include "ckernels.h"

#include <string.h>

void sk_bf16_to_f32(const uint16_t *source, float *destination, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t bits = (uint32_t)source[i] << 16;
        memcpy(&destination[i], &bits, sizeof bits);
    }
}

void sk_f16_to_f32(const uint16_t *source, float *destination, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t half = source[i];
        uint32_t sign = (half & 0x8000u) << 16;
        uint32_t exponent = (half >> 10) & 0x1fu;
        uint32_t mantissa = half & 0x3ffu;
        uint32_t bits;
        if (exponent == 0x1fu) {
            bits = sign | 0x7f800000u | (mantissa << 13);  // infinity or NaN
        } else if (exponent != 0) {
            bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
        } else if (mantissa == 0) {
            bits = sign;  // signed zero
        } else {
            // Subnormal half: normalise the mantissa into a float32 exponent.
            uint32_t shift = 0;
            while ((mantissa & 0x400u) == 0) {
                mantissa <<= 1;
                shift++;
            }
            bits = sign | ((113u - shift) << 23) | ((mantissa & 0x3ffu) << 13);
        }
        memcpy(&destination[i], &bits, sizeof bits);
    }
}

void sk_f32_to_bf16(const float *source, uint16_t *destination, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, &source[i], sizeof bits);
        if ((bits & 0x7fffffffu) > 0x7f800000u) {
            destination[i] = (uint16_t)((bits >> 16) | 0x40u);  // quiet NaN
        } else {
            uint32_t roundingBias = 0x7fffu + ((bits >> 16) & 1u);
            destination[i] = (uint16_t)((bits + roundingBias) >> 16);
        }
    }
}

// Element-type conversions of whole arrays, over the C kernels.

import CKernels

public enum Conversion {
    public static func bfloat16ToFloat(
        _ source: UnsafePointer<UInt16>, _ destination: UnsafeMutablePointer<Float>, count: Int
    ) {
        sk_bf16_to_f32(source, destination, count)
    }

    public static func float16ToFloat(
        _ source: UnsafePointer<UInt16>, _ destination: UnsafeMutablePointer<Float>, count: Int
    ) {
        sk_f16_to_f32(source, destination, count)
    }

    public static func floatToBfloat16(
        _ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<UInt16>, count: Int
    ) {
        sk_f32_to_bf16(source, destination, count)
    }
}

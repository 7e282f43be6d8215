// The MLP's activation, SiLU(gate) ⊙ up, forward and backward: the kernels of swiglu.c (the forward
// is the engine's), which give the bits of the scalar expressions over expf.

import CKernels

enum SwiGLULayer {
    static func forward(
        gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>
    ) {
        sk_silu_mul(gate, up, count, output)
    }

    static func backward(
        gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int, outputGradient: UnsafePointer<Float>,
        gateGradient: UnsafeMutablePointer<Float>, upGradient: UnsafeMutablePointer<Float>
    ) {
        sk_silu_mul_backward(gate, up, outputGradient, count, gateGradient, upGradient)
    }
}

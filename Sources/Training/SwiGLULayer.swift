// The MLP's activation, SiLU(gate) ⊙ up: the forward is the engine's kernel (sk_silu_mul); the
// backward, with σ = sigmoid(gate), is
//
//     d gate = da ⊙ up ⊙ σ · (1 + gate · (1 − σ))
//     d up   = da ⊙ gate · σ

import CKernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
        for i in 0..<count {
            let g = gate[i]
            let sigmoid = 1 / (1 + expf(-g))
            let silu = g * sigmoid
            gateGradient[i] = outputGradient[i] * up[i] * sigmoid * (1 + g * (1 - sigmoid))
            upGradient[i] = outputGradient[i] * silu
        }
    }
}

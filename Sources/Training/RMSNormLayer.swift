// Qwen2RMSNorm over the rows of a batch: the forward is the engine's kernel (sk_rms_norm); the
// backward is its derivative. With r = 1 / sqrt(mean(x²) + ε), y = w ⊙ x · r and g = dy ⊙ w:
//
//     dw += dy ⊙ x · r
//     dx  = r · g − x · r³ · (g · x) / width
//
// The backward recomputes r from x rather than storing it. Sums run in Double: the norm's gradient
// is a small difference of large terms.

import CKernels

enum RMSNormLayer {
    static func forward(
        _ input: UnsafePointer<Float>, rows: Int, width: Int, weight: ParameterTensor, epsilon: Float,
        output: UnsafeMutablePointer<Float>
    ) {
        for row in 0..<rows {
            sk_rms_norm(input + row * width, weight.pointer, epsilon, width, output + row * width)
        }
    }

    /// Adds the weight gradient into `weightGradient`; writes (`accumulate` false) or adds the input
    /// gradient into `inputGradient`.
    static func backward(
        _ input: UnsafePointer<Float>, rows: Int, width: Int, weight: ParameterTensor, epsilon: Float,
        outputGradient: UnsafePointer<Float>, weightGradient: ParameterTensor,
        inputGradient: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        let w = weight.pointer
        let dw = weightGradient.pointer
        for row in 0..<rows {
            let x = input + row * width
            let dy = outputGradient + row * width
            let dx = inputGradient + row * width
            var squares = 0.0
            var gradientDotInput = 0.0
            for i in 0..<width {
                squares += Double(x[i]) * Double(x[i])
                gradientDotInput += Double(dy[i]) * Double(w[i]) * Double(x[i])
            }
            let r = 1 / (squares / Double(width) + Double(epsilon)).squareRoot()
            let correction = Float(r * r * r * gradientDotInput / Double(width))
            let scale = Float(r)
            for i in 0..<width {
                dw[i] += dy[i] * x[i] * scale
                let value = scale * dy[i] * w[i] - x[i] * correction
                dx[i] = accumulate ? dx[i] + value : value
            }
        }
    }
}

// y = x · Wᵀ + b over all tokens of a batch, and its backward pass, as cblas_sgemm calls on the
// Hugging Face [out, in] layout (the transposed operand costs nothing, MACHINE-NOTES.md):
//
//     forward     y[N, out]   = x[N, in] · W[out, in]ᵀ (+ b)
//     backward    dx[N, in]  (+)= dy[N, out] · W[out, in]
//                 dW[out, in] += dy[N, out]ᵀ · x[N, in]
//                 db[out]     += Σ_rows dy
//
// Training uses sgemm rather than the engine's batch-invariant tile kernels: it needs the transposed
// products too, and at training sizes (hundreds of rows) sgemm is at its peak.

import COpenBLAS

enum LinearLayer {
    static func forward(
        _ input: UnsafePointer<Float>, rows: Int, parameters: LinearParameters, output: UnsafeMutablePointer<Float>
    ) {
        let (outputs, inputs) = (parameters.outputs, parameters.inputs)
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, blasint(rows), blasint(outputs), blasint(inputs), 1, input,
            blasint(inputs), parameters.weight.pointer, blasint(inputs), 0, output, blasint(outputs))
        if let bias = parameters.bias?.pointer {
            for row in 0..<rows {
                let y = output + row * outputs
                for column in 0..<outputs { y[column] += bias[column] }
            }
        }
    }

    /// Adds this layer's weight and bias gradients into `gradient`, and writes (`accumulate` false) or
    /// adds (`accumulate` true) the input gradient into `inputGradient`.
    static func backward(
        _ input: UnsafePointer<Float>, rows: Int, outputGradient: UnsafePointer<Float>,
        parameters: LinearParameters, gradient: LinearParameters, inputGradient: UnsafeMutablePointer<Float>,
        accumulate: Bool
    ) {
        let (outputs, inputs) = (parameters.outputs, parameters.inputs)
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(rows), blasint(inputs), blasint(outputs), 1,
            outputGradient, blasint(outputs), parameters.weight.pointer, blasint(inputs), accumulate ? 1 : 0,
            inputGradient, blasint(inputs))
        cblas_sgemm(
            CblasRowMajor, CblasTrans, CblasNoTrans, blasint(outputs), blasint(inputs), blasint(rows), 1,
            outputGradient, blasint(outputs), input, blasint(inputs), 1, gradient.weight.pointer, blasint(inputs))
        if let biasGradient = gradient.bias?.pointer {
            for row in 0..<rows {
                let dy = outputGradient + row * outputs
                for column in 0..<outputs { biasGradient[column] += dy[column] }
            }
        }
    }
}

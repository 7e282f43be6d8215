// y = x · Wᵀ + b for a batch of rows: the CKernels tile kernel, split over the worker pool by output
// rows (16 at a time, four chunks per thread so that a slow thread does not hold the others up).
//
// One kernel for every row count, on purpose. It computes each output with the same sequence of
// operations whatever rows are batched with it, so a sequence's logits are bitwise identical alone
// or in any batch (what `cblas_sgemm` cannot promise: it changes summation order with the shape).
// And it is also the faster choice here: it reads weights as stored (BF16 without widening copies)
// and beat OpenBLAS's sgemm at every row count from 1 to 512 on Qwen2.5-0.5B shapes, by 2-3x in
// decode where sgemm repacks the weights on every call (README, "Performance").

import CKernels

public final class Linear: Sendable {
    private let pool: WorkerPool

    public init(pool: WorkerPool = .shared) {
        self.pool = pool
    }

    /// output[m, n] = bias[n] + Σ_k input[m, k] · weight[n, k], for m < rows. `input` has rows ×
    /// weight.columns floats with row stride `inputStride`; `output` has row stride `outputStride`.
    public func apply(
        _ input: UnsafePointer<Float>, rows: Int, inputStride: Int? = nil, weight: WeightMatrix,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, outputStride: Int? = nil
    ) {
        guard rows > 0 else { return }
        let inputStride = inputStride ?? weight.columns
        let outputStride = outputStride ?? weight.rows
        pool.parallelFor(weight.rows, granularity: 16, tasksPerThread: 4) { range in
            sk_linear(
                rows, weight.columns, input, inputStride, weight.base, weight.type.kernelType, bias, output,
                outputStride, range.lowerBound, range.upperBound)
        }
    }
}

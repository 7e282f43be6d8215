// y = x · Wᵀ + b for a batch of rows: the CKernels tile kernels, split over the worker pool by output
// rows. Several projections of the same input (q, k and v; gate and up) go in one call, so that
// they share one fork-join and the threads stay balanced across them.
//
// One kernel family for every row count, on purpose. It computes each output with the same sequence
// of operations whatever rows are batched with it, so a sequence's logits are bitwise identical alone
// or in any batch (what `cblas_sgemm` cannot promise: it changes summation order with the shape).
// It is also the faster choice in decode: it reads weights as stored (BF16 without widening copies)
// and beat OpenBLAS's sgemm by 2-3x there, where sgemm repacks the weights on every call; with
// AVX-512 (Zen 4) at every row count from 1 to 512 on Qwen2.5-0.5B shapes, with AVX2 only up to about
// 64 rows (README, "Performance").

import CKernels

/// One weight matrix applied to the shared input, with its bias and where its outputs go.
public struct Projection {
    public var weight: WeightMatrix
    public var bias: UnsafePointer<Float>?
    public var output: UnsafeMutablePointer<Float>
    /// Floats between output rows; the weight's row count when nil.
    public var outputStride: Int?

    public init(
        weight: WeightMatrix, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, outputStride: Int? = nil
    ) {
        self.weight = weight
        self.bias = bias
        self.output = output
        self.outputStride = outputStride
    }
}

public final class Linear: Sendable {
    private let pool: WorkerPool

    /// Tasks per thread and call. Few and contiguous, because at decode sizes the kernels stream
    /// weights from memory and a long sequential run per thread keeps the prefetchers ahead; two per
    /// thread still even out a thread that started late.
    static let tasksPerThread = 2

    /// Task boundaries fall on multiples of this many output rows (every kernel's tile height divides it).
    static let rowGranularity = 16

    public init(pool: WorkerPool = .shared) {
        self.pool = pool
    }

    /// output[m, n] = bias[n] + Σ_k input[m, k] · weight[n, k], for m < rows. `input` has rows ×
    /// weight.columns floats with row stride `inputStride`; `output` has row stride `outputStride`.
    public func apply(
        _ input: UnsafePointer<Float>, rows: Int, inputStride: Int? = nil, weight: WeightMatrix,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, outputStride: Int? = nil
    ) {
        apply(
            input, rows: rows, inputStride: inputStride,
            projections: [Projection(weight: weight, bias: bias, output: output, outputStride: outputStride)])
    }

    /// Every projection of the same input (all with `weight.columns` equal) in one parallel pass.
    public func apply(_ input: UnsafePointer<Float>, rows: Int, inputStride: Int? = nil, projections: [Projection]) {
        guard rows > 0, let columns = projections.first?.weight.columns else { return }
        precondition(projections.allSatisfy { $0.weight.columns == columns }, "projections of different input widths")
        let inputStride = inputStride ?? columns
        // Tasks cut the projections' rows, laid end to end, into equal contiguous runs.
        let totalRows = projections.reduce(0) { $0 + $1.weight.rows }
        let granularity = Self.rowGranularity
        let taskCount = max(1, min(pool.threadCount * Self.tasksPerThread, totalRows / granularity))
        let evenShare: Int = (totalRows + taskCount - 1) / taskCount
        let rowsPerTask: Int = (evenShare + granularity - 1) / granularity * granularity
        pool.run(taskCount: taskCount) { task in
            var first = task * rowsPerTask
            let end = min(totalRows, first + rowsPerTask)
            var offset = 0
            for projection in projections where first < end {
                let rowsHere = projection.weight.rows
                if first < offset + rowsHere {
                    let stop = min(rowsHere, end - offset)
                    sk_linear(
                        rows, columns, input, inputStride, projection.weight.base, projection.weight.type.kernelType,
                        projection.bias, projection.output, projection.outputStride ?? rowsHere, first - offset, stop)
                    first = offset + stop
                }
                offset += rowsHere
            }
        }
    }
}

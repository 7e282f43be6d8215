// y = x · Wᵀ + b for a batch of rows: the CKernels matrix kernels, split over the worker pool by output
// rows. Several projections of the same input (q, k and v; gate and up) go in one call, so that
// they share one fork-join and the threads stay balanced across them.
//
// One kernel per weight layout for every row count, on purpose. Each computes every output with the
// same sequence of operations whatever rows are batched with it, so a sequence's logits are bitwise
// identical alone or in any batch (what `cblas_sgemm` cannot promise: it changes summation order
// with the shape). They are also the faster choice in decode, reading weights as stored (BF16
// without widening copies) where sgemm repacks them on every call. Row-major weights go to
// linear.c's tiles (with AVX-512, ahead of sgemm at every row count on Qwen2.5-0.5B shapes); weights
// packed into panels, which checkpoints get on CPUs without AVX-512, to panels.c's kernels (README,
// "Performance").

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

    /// Task boundaries fall on multiples of this many output rows: a whole panel
    /// (`SK_PANEL_WIDTH`), and a multiple of every row-major kernel's tile height.
    static let rowGranularity = Int(SK_PANEL_WIDTH)

    static func roundedUp(_ value: Int, to multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }

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
        // Tasks cut the projections' rows, laid end to end (each rounded up to whole panels, so that
        // every task starts a projection on a panel boundary), into equal contiguous runs.
        let granularity = Self.rowGranularity
        let totalRows = projections.reduce(0) { $0 + Self.roundedUp($1.weight.rows, to: granularity) }
        let taskCount = max(1, min(pool.threadCount * Self.tasksPerThread, totalRows / granularity))
        let rowsPerTask = Self.roundedUp((totalRows + taskCount - 1) / taskCount, to: granularity)
        pool.run(taskCount: taskCount) { task in
            let first = task * rowsPerTask
            let end = min(totalRows, first + rowsPerTask)
            var offset = 0
            for projection in projections where offset < end {
                let weight = projection.weight
                let begin = max(first - offset, 0)
                let stop = min(weight.rows, end - offset)
                if begin < stop {
                    let stride = projection.outputStride ?? weight.rows
                    switch weight.layout {
                    case .rowMajor:
                        sk_linear(
                            rows, columns, input, inputStride, weight.base, weight.type.kernelType, projection.bias,
                            projection.output, stride, begin, stop)
                    case .panels:
                        sk_linear_panels(
                            rows, columns, input, inputStride, weight.base, weight.type.kernelType, projection.bias,
                            projection.output, stride, begin, stop)
                    }
                }
                offset += Self.roundedUp(weight.rows, to: granularity)
            }
        }
    }
}

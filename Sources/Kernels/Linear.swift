// y = x · Wᵀ + b for a batch of rows, choosing the kernel by row count (engine-anchors.md §1.3, §1.5):
//
// - few rows (decode, small batches): the streaming tile kernel of CKernels, split over the worker
//   pool by output rows. It reads each weight once per call, at memory bandwidth.
// - many rows (prefill): `cblas_sgemm` with W as the transposed operand (no copy of W, ~200 GFLOP/s).
//   BF16 weights are widened panel by panel into a scratch buffer first, since Debian's OpenBLAS has
//   no bf16 GEMM; the widening costs a few per cent of the multiply at prefill sizes.
//
// Call from one thread only (the engine's): OpenBLAS and the pool both use every core.

import CKernels
import COpenBLAS

public final class Linear {
    /// At most this many rows go through the tile kernel; more go through sgemm. Chosen with
    /// `spark-bench engine` (see README); overridable for measurements.
    public var tileKernelMaximumRows: Int
    private let pool: WorkerPool
    private var panel: AlignedBuffer<Float>

    /// Floats of the scratch panel for widened BF16 weights (16 MB: large enough that one sgemm call
    /// covers hundreds of rows, small enough to stay in the last-level cache).
    static let panelFloats = 4 << 20

    public init(pool: WorkerPool = .shared, tileKernelMaximumRows: Int = 32) {
        self.pool = pool
        self.tileKernelMaximumRows = tileKernelMaximumRows
        panel = AlignedBuffer<Float>(count: 0)
    }

    /// output[m, n] = bias[n] + Σ_k input[m, k] · weight[n, k], for m < rows. `input` has rows ×
    /// weight.columns floats with row stride `inputStride`; `output` has row stride `outputStride`.
    public func apply(
        _ input: UnsafePointer<Float>, rows: Int, inputStride: Int? = nil, weight: WeightMatrix,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, outputStride: Int? = nil
    ) {
        let inputStride = inputStride ?? weight.columns
        let outputStride = outputStride ?? weight.rows
        guard rows > 0 else { return }
        if rows <= tileKernelMaximumRows {
            applyTiles(
                input, rows: rows, inputStride: inputStride, weight: weight, bias: bias, output: output,
                outputStride: outputStride)
        } else {
            applyGEMM(
                input, rows: rows, inputStride: inputStride, weight: weight, bias: bias, output: output,
                outputStride: outputStride)
        }
    }

    private func applyTiles(
        _ input: UnsafePointer<Float>, rows: Int, inputStride: Int, weight: WeightMatrix,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        // Chunks of 16 output rows (a multiple of every kernel's tile height), four per thread so that
        // a slow thread does not hold the others up.
        pool.parallelFor(weight.rows, granularity: 16, tasksPerThread: 4) { range in
            sk_linear(
                rows, weight.columns, input, inputStride, weight.base, weight.type.kernelType, bias, output,
                outputStride, range.lowerBound, range.upperBound)
        }
    }

    private func applyGEMM(
        _ input: UnsafePointer<Float>, rows: Int, inputStride: Int, weight: WeightMatrix,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        let k = weight.columns
        switch weight.type {
        case .float32:
            gemm(
                input, rows: rows, inputStride: inputStride, weights: weight.base.assumingMemoryBound(to: Float.self),
                weightRows: weight.rows, k: k, output: output, outputStride: outputStride)
        case .bfloat16:
            let panelRows = max(16, min(weight.rows, Self.panelFloats / k))
            if panel.count < panelRows * k { panel = AlignedBuffer<Float>(count: panelRows * k) }
            var first = 0
            while first < weight.rows {
                let count = min(panelRows, weight.rows - first)
                weight.copyRows(first..<first + count, to: panel.pointer)
                gemm(
                    input, rows: rows, inputStride: inputStride, weights: panel.pointer, weightRows: count, k: k,
                    output: output + first, outputStride: outputStride)
                first += count
            }
        }
        if let bias {
            for row in 0..<rows { sk_add(output + row * outputStride, bias, weight.rows) }
        }
    }

    private func gemm(
        _ input: UnsafePointer<Float>, rows: Int, inputStride: Int, weights: UnsafePointer<Float>, weightRows: Int,
        k: Int, output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, blasint(rows), blasint(weightRows), blasint(k), 1, input,
            blasint(inputStride), weights, blasint(k), 0, output, blasint(outputStride))
    }
}
